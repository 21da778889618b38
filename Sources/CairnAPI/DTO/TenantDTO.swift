import CairnCore
import CairnHTTPKit
import Foundation
import Logging

struct TenantDTO: Encodable {
    let id: String
    let slug: String
    let displayName: String
    let settings: JSONObject
    let createdAt: String
    let createdBy: String
    /// The caller's role in this tenant, if any.
    let role: String?

    init(_ tenant: Tenant, role: Role?) {
        id = tenant.id.uuidString.lowercased()
        slug = tenant.slug.value
        displayName = tenant.displayName
        settings = tenant.settings
        createdAt = RFC3339.format(tenant.createdAt)
        createdBy = tenant.createdBy
        self.role = role?.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, settings, role
        case displayName = "display_name"
        case createdAt = "created_at"
        case createdBy = "created_by"
    }
}

struct TenantListDTO: Encodable {
    let tenants: [TenantDTO]
}

struct RoleBindingDTO: Codable {
    let group: String
    let role: String

    init(_ binding: RoleBinding) {
        group = binding.group.normalized
        role = binding.role.rawValue
    }

    func validated() throws(CairnError) -> RoleBinding {
        RoleBinding(group: try DistinguishedName.validated(group), role: try Role(validating: role))
    }
}

struct RoleBindingsDTO: Codable, StrictBody {
    let roleBindings: [RoleBindingDTO]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case roleBindings = "role_bindings"
    }

}

struct CreateTenantBody: Decodable, StrictBody {
    let slug: String
    let displayName: String
    let settings: JSONObject?
    let roleBindings: [RoleBindingDTO]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case slug, settings
        case displayName = "display_name"
        case roleBindings = "role_bindings"
    }

}
