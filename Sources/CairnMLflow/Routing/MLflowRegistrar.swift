import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Registers each MLflow route four times — under `api/` and `ajax-api/` (the web UI's copy), each with the tenant in
/// the path (`/tenants/<tenant>/…`, the tracking URI's prefix) and with the tenant in `X-MLFLOW-WORKSPACE` — and
/// every form in the endpoint table, so the authorization matrix walks them all.
struct MLflowRegistrar: Sendable {
    static let workspaceHeader = HTTPField.Name("X-MLFLOW-WORKSPACE")!
    static let roots = ["api", "ajax-api"]

    private let open: RouterGroup<CairnRequestContext>
    private let authenticated: RouterGroup<CairnRequestContext>
    private let table: EndpointTable
    let tenants: TenantAdministration

    init(router: Router<CairnRequestContext>, authentication: AuthenticationMiddleware, table: EndpointTable, tenants: TenantAdministration) {
        open = router.group().add(middleware: MLflowErrorMiddleware())
        authenticated = router.group().add(middleware: MLflowErrorMiddleware()).add(middleware: authentication)
        self.table = table
        self.tenants = tenants
    }

    /// A route anyone may call (server-info), with and without the tenant prefix.
    func addOpen(
        _ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, CairnRequestContext) async throws -> Response
    ) {
        for root in Self.roots {
            for prefix in ["", "tenants/{tenant}/"] {
                table.append(Endpoint(method: method, path: "/\(prefix)\(root)/\(path)", access: .open))
                open.on(RouterPath(prefix + root + "/" + path), method: method, use: handler)
            }
        }
    }

    /// A route outside any tenant (workspaces): `.authenticated` or `.platformAdmin`.
    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, Principal) async throws -> Response
    ) {
        let tenants = self.tenants
        for root in Self.roots {
            table.append(Endpoint(method: method, path: "/\(root)/\(path)", access: access))
            authenticated.on(RouterPath(root + "/" + path), method: method) { request, context in
                let principal = try context.requirePrincipal()
                if access == .platformAdmin, !tenants.isPlatformAdmin(principal) {
                    throw CairnError.denied("Only platform administrators may do this.")
                }
                return try await handler(request, context, principal)
            }
        }
    }

    /// A tenant's route: the tenant comes from the path prefix or, without one, from `X-MLFLOW-WORKSPACE`; the
    /// caller's role there is settled before the handler runs (no role: the tenant does not exist for them).
    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, RequestScope) async throws -> Response
    ) {
        let tenants = self.tenants
        for root in Self.roots {
            for prefixed in [true, false] {
                let route = (prefixed ? "tenants/{tenant}/" : "") + root + "/" + path
                table.append(
                    Endpoint(
                        method: method, path: "/" + route.replacingOccurrences(of: "**", with: "{path}"), access: access,
                        tenantHeader: prefixed ? nil : Self.workspaceHeader.canonicalName))
                authenticated.on(RouterPath(route), method: method) { request, context in
                    let slug = try Self.tenant(of: request, context: context, prefixed: prefixed)
                    let (scope, context) = try await EndpointRegistrar.enter(slug, access: access, context: context, tenants: tenants)
                    return try await handler(request, context, scope)
                }
            }
        }
    }

    /// The tenant a request names. With both a prefix and a workspace header they must agree: a script pointed at one
    /// tenant never writes into another because of a stray `MLFLOW_WORKSPACE`.
    static func tenant(of request: Request, context: CairnRequestContext, prefixed: Bool) throws -> TenantSlug {
        let header = request.headers[workspaceHeader]
        guard prefixed else {
            guard let header, !header.isEmpty else {
                throw CairnError.invalid(
                    "No tenant selected: use the tracking URI http(s)://<host>/tenants/<tenant>, or set MLFLOW_WORKSPACE=<tenant> (mlflow.set_workspace)."
                )
            }
            return try TenantSlug(header)
        }
        let slug = try TenantSlug(try context.pathParameter("tenant"))
        if let header, !header.isEmpty, header != slug.value {
            throw CairnError.invalid(
                "The tracking URI names tenant '\(slug.value)' but X-MLFLOW-WORKSPACE names '\(header.prefix(80))'; unset MLFLOW_WORKSPACE or make them agree."
            )
        }
        return slug
    }
}
