public import CairnApp
public import CairnCore
import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import Synchronization

/// Every endpoint of every surface with its declared access: what the authorization matrix and the OpenAPI check
/// walk, so no endpoint ships without its 401/403/404 tests.
public final class EndpointTable: Sendable {
    private let entries = Mutex<[Endpoint]>([])

    public init() {}

    public var endpoints: [Endpoint] { entries.withLock { $0 } }

    public func append(_ endpoint: Endpoint) {
        entries.withLock { $0.append(endpoint) }
    }
}

/// Registers one surface's routes together with their declared access, and enforces that access in one place:
/// tenant routes get the `RequestScope` (tenant, caller, role, request id, logger) once access is settled.
public struct EndpointRegistrar: Sendable {
    private let group: RouterGroup<CairnRequestContext>
    /// The surface's path in the endpoint table, e.g. `/api/v1/`.
    private let prefix: String
    private let table: EndpointTable
    public let tenants: TenantAdministration

    public init(group: RouterGroup<CairnRequestContext>, prefix: String, table: EndpointTable, tenants: TenantAdministration) {
        self.group = group
        self.prefix = prefix
        self.table = table
        self.tenants = tenants
    }

    /// A route outside any tenant (`.authenticated` or `.platformAdmin`).
    public func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, Principal) async throws -> Response
    ) {
        table.append(Endpoint(method: method, path: prefix + path, access: access))
        let tenants = self.tenants
        group.on(RouterPath(path), method: method) { request, context in
            let principal = try context.requirePrincipal()
            if access == .platformAdmin, !tenants.isPlatformAdmin(principal) {
                throw CairnError.denied("Only platform administrators may do this.")
            }
            return try await handler(request, context, principal)
        }
    }

    /// A route under `tenants/{tenant}/…`: resolves the tenant and the caller's role there before the handler.
    public func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, RequestScope) async throws -> Response
    ) {
        table.append(Endpoint(method: method, path: prefix + path.replacingOccurrences(of: "**", with: "{path}"), access: access))
        let tenants = self.tenants
        group.on(RouterPath(path), method: method) { request, context in
            let slug = try TenantSlug(try context.pathParameter("tenant"))
            let (scope, context) = try await Self.enter(slug, access: access, context: context, tenants: tenants)
            return try await handler(request, context, scope)
        }
    }

    /// The caller's scope in `slug` once `access` is settled (no role there: the tenant does not exist for them), and
    /// the context with the scope's logger: what every surface's tenant route runs before its handler.
    public static func enter(_ slug: TenantSlug, access: Access, context: CairnRequestContext, tenants: TenantAdministration) async throws
        -> (RequestScope, CairnRequestContext)
    {
        let principal = try context.requirePrincipal()
        let scope = try await tenants.scope(slug, for: principal, known: context.tokenTenant, requestID: context.id, logger: context.logger)
        switch access {
        case .tenant(let role), .consoleTenant(let role): try scope.access.require(role)
        case .tenantBindings: try scope.access.requireBindingManagement()
        case .open, .authenticated, .platformAdmin, .session: break
        }
        var context = context
        context.logger = scope.logger
        return (scope, context)
    }
}
