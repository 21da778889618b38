import CairnApp
import CairnCore
import CairnHTTPKit
import HTTPTypes
import Hummingbird

/// Registers console routes with their access in the endpoint table: open ones (sign-in, static files, the
/// redirect from `/`) and signed-in ones, which run behind the session middleware. Both answer failures as pages.
struct ConsoleRegistrar: Sendable {
    private let open: RouterGroup<CairnRequestContext>
    private let signedIn: RouterGroup<CairnRequestContext>
    private let table: EndpointTable
    private let tenants: TenantAdministration

    init(
        router: Router<CairnRequestContext>, sessions: ConsoleSessions, tenants: TenantAdministration, pages: ConsolePages, table: EndpointTable
    ) {
        open = router.group().add(middleware: SecurityHeadersMiddleware()).add(middleware: ConsoleErrorMiddleware(pages: pages))
        signedIn = router.group().add(middleware: SecurityHeadersMiddleware()).add(middleware: ConsoleErrorMiddleware(pages: pages))
            .add(middleware: SessionMiddleware(sessions: sessions))
        self.table = table
        self.tenants = tenants
    }

    func addOpen(
        _ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, CairnRequestContext) async throws -> Response
    ) {
        table.append(Endpoint(method: method, path: path, access: .open))
        open.on(RouterPath(path), method: method, use: handler)
    }

    /// A page or form for a signed-in person: the handler gets the session and the person.
    func add(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, ConsoleSession, Principal) async throws -> Response
    ) {
        table.append(Endpoint(method: method, path: path, access: .session))
        signedIn.on(RouterPath(path), method: method) { request, context in
            try await handler(request, context, try context.requireSession(), try context.requirePrincipal())
        }
    }

    /// A page or form of one tenant (`{tenant}` in the path): the person needs at least `role` there, and a tenant
    /// they have no role in is not found, exactly as on the APIs (the same `EndpointRegistrar.enter`).
    func add(
        _ method: HTTPRequest.Method, _ path: String, role: Role,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, ConsoleSession, RequestScope) async throws -> Response
    ) {
        let access = Access.consoleTenant(role)
        table.append(Endpoint(method: method, path: path, access: access))
        let tenants = self.tenants
        signedIn.on(RouterPath(path), method: method) { request, context in
            let session = try context.requireSession()
            let slug = try TenantSlug(try context.pathParameter("tenant"))
            let (scope, context) = try await EndpointRegistrar.enter(slug, access: access, context: context, tenants: tenants)
            return try await handler(request, context, session, scope)
        }
    }
}

/// Every console answer: no inline script or style may run (CSP), no framing, no sniffing, and pages are not cached
/// (they show governed data for one person).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
