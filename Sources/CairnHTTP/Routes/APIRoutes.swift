import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Registers routes under /api/v1 together with their declared access, and enforces that access in one place.
final class APIRoutes: @unchecked Sendable {
    private let group: RouterGroup<CairnRequestContext>
    let tenants: any TenantStore
    let platformAdminGroup: DistinguishedName?
    private(set) var endpoints: [Endpoint] = []

    init(group: RouterGroup<CairnRequestContext>, tenants: any TenantStore, platformAdminGroup: DistinguishedName?) {
        self.group = group
        self.tenants = tenants
        self.platformAdminGroup = platformAdminGroup
    }

    /// Platform administration is a person's right; an API token never carries it.
    func isPlatformAdmin(_ principal: Principal) -> Bool {
        principal.token == nil && (platformAdminGroup.map(principal.groups.contains) ?? false)
    }

    /// A route outside any tenant (`.authenticated` or `.platformAdmin`).
    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, Principal) async throws -> Response
    ) {
        endpoints.append(Endpoint(method: method, path: "/api/v1/" + path, access: access))
        group.on(RouterPath(path), method: method) { [self] request, context in
            let principal = try context.requirePrincipal()
            if access == .platformAdmin, !isPlatformAdmin(principal) {
                throw CairnError.denied("Only platform administrators may do this.")
            }
            return try await handler(request, context, principal)
        }
    }

    /// A route under `tenants/{tenant}/…`: resolves the tenant and the caller's role there before the handler.
    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, TenantScope) async throws -> Response
    ) {
        endpoints.append(Endpoint(method: method, path: "/api/v1/" + path.replacingOccurrences(of: "**", with: "{path}"), access: access))
        group.on(RouterPath(path), method: method) { [self] request, context in
            let principal = try context.requirePrincipal()
            let scope = try await tenantScope(context: context, principal: principal)
            switch access {
            case .tenant(let role): try scope.access.require(role)
            case .tenantBindings: try scope.access.requireBindingManagement()
            case .open, .authenticated, .platformAdmin: break
            }
            var context = context
            context.logger[metadataKey: "cairn.tenant"] = "\(scope.tenant.slug)"
            return try await handler(request, context, scope)
        }
    }

    private func tenantScope(context: CairnRequestContext, principal: Principal) async throws -> TenantScope {
        let raw = try context.pathParameter("tenant")
        let slug = try TenantSlug(raw)
        let tenant: Tenant
        if let known = context.tokenTenant, known.slug == slug {
            tenant = known  // resolved while checking the token
        } else if let found = try await tenants.tenant(slug: slug, logger: context.logger) {
            tenant = found
        } else {
            throw CairnError.notFound("Tenant '\(slug)' not found.")
        }
        let role = try await tenants.role(groups: principal.groups, tenantID: tenant.id, logger: context.logger)
        let access = TenantAccess(principal: principal, tenantID: tenant.id, boundRole: role, platformAdminGroup: platformAdminGroup)
        guard access.canSeeTenant else { throw CairnError.notFound("Tenant '\(slug)' not found.") }
        return TenantScope(tenant: tenant, principal: principal, access: access, requestID: context.id)
    }
}
