public import Foundation

public struct Tenant: Sendable, Equatable, Codable {
    public let id: UUID
    public let slug: TenantSlug
    public var displayName: String
    public var settings: JSONObject
    public let createdAt: Date
    public let createdBy: String

    public init(id: UUID, slug: TenantSlug, displayName: String, settings: JSONObject, createdAt: Date, createdBy: String) {
        self.id = id
        self.slug = slug
        self.displayName = displayName
        self.settings = settings
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

public struct NewTenant: Sendable {
    public let slug: TenantSlug
    public let displayName: String
    public let settings: JSONObject

    public init(slug: TenantSlug, displayName: String, settings: JSONObject) throws(CairnError) {
        self.slug = slug
        self.displayName = try Self.displayName(displayName)
        self.settings = try settings.validated(field: "settings", maxKeys: 100)
    }

    /// A display name as stored: trimmed, 1 to 200 characters.
    public static func displayName(_ raw: String) throws(CairnError) -> String {
        let trimmed = String(raw.trimmingWhitespace())
        guard (1...200).contains(trimmed.count) else { throw .invalid("'display_name' must be 1 to 200 characters.") }
        return trimmed
    }
}

public struct RoleBinding: Sendable, Equatable, Codable {
    public let group: DistinguishedName
    public let role: Role

    public init(group: DistinguishedName, role: Role) {
        self.group = group
        self.role = role
    }
}

extension [RoleBinding] {
    /// A binding set as sent by an admin: each group at most once, bounded in size.
    public func validated() throws(CairnError) -> [RoleBinding] {
        guard count <= 500 else { throw .invalid("At most 500 role bindings per tenant.") }
        var seen = Set<DistinguishedName>()
        for binding in self where !seen.insert(binding.group).inserted {
            throw .invalid("Group '\(binding.group)' is bound more than once.")
        }
        return self
    }

    /// The highest role any of these groups grants.
    public func role(for groups: Set<DistinguishedName>) -> Role? {
        filter { groups.contains($0.group) }.map(\.role).max()
    }
}
