public import CairnApp
public import CairnCore
public import CairnHTTPKit
import HTTPTypes
public import Hummingbird

/// The governance web console under `/ui/`: server-rendered pages over the same use cases as the APIs. People sign
/// in with their directory password and then hold a session cookie; API credentials do not open it.
public enum ConsoleSurface {
    /// Adds every console route to `router` and to the endpoint table.
    public static func register(
        on router: Router<CairnRequestContext>, useCases: UseCases, sessions: ConsoleSessions, throttles: LoginThrottles,
        cookies: CookiePolicy, table: EndpointTable
    ) throws {
        let pages = try ConsolePages()
        let routes = ConsoleRoutes(
            registrar: ConsoleRegistrar(router: router, sessions: sessions, tenants: useCases.tenants, pages: pages, table: table),
            app: useCases, sessions: sessions, throttles: throttles, cookies: cookies, pages: pages)
        routes.addStaticRoutes()
        routes.addSignInRoutes()
        routes.addHomeRoutes()
        routes.addDashboardRoutes()
        routes.addApprovalRoutes()
        routes.addModelRoutes()
        routes.addVersionRoutes()
        routes.addCompareRoutes()
        routes.addServedRoutes()
        routes.addAuditRoutes()
        routes.addRetentionRoutes()
    }
}

/// What every console route file extends.
struct ConsoleRoutes {
    let registrar: ConsoleRegistrar
    let app: UseCases
    let sessions: ConsoleSessions
    let throttles: LoginThrottles
    let cookies: CookiePolicy
    let pages: ConsolePages
}

extension ConsoleRoutes {
    /// A page of one tenant, with the tenant bar for `section`.
    func page(
        _ template: String, _ page: Any, session: ConsoleSession, scope: RequestScope, section: TenantNav.Section,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        pages.render(
            template, page, user: PageUser(session: session, principal: scope.principal, platformAdmin: app.tenants.isPlatformAdmin(scope.principal)),
            nav: TenantNav(scope, current: section), status: status)
    }
}
