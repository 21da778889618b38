import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird

/// The start page: the tenants the person has a role in (all of them for platform admins), with that role.
extension ConsoleRoutes {
    func addHomeRoutes() {
        registrar.add(.get, "/ui") { _, context, session, principal in
            let visible = try await app.tenants.visibleTenants(to: principal, logger: context.logger)
                .sorted { $0.tenant.displayName.localizedCaseInsensitiveCompare($1.tenant.displayName) == .orderedAscending }
            // The portfolio across the person's tenants: each tenant's numbers, read in its own scope (RLS), for the
            // first `HomePage.summarised` tenants; the rest are listed by name.
            var tenants: [HomePage.TenantRow] = []
            for (index, entry) in visible.enumerated() {
                var summary: Portfolio?
                if index < HomePage.summarised {
                    do {
                        let scope = try await app.tenants.scope(
                            entry.tenant.slug, for: principal, known: entry.tenant, requestID: context.id, logger: context.logger)
                        summary = try await app.dashboard.portfolio(scope)
                    } catch let error as CairnError where error.code == .resourceDoesNotExist {
                        // Retired, or the role went away since the list was read: the tenant is no longer theirs.
                        continue
                    }
                }
                tenants.append(HomePage.TenantRow(entry.tenant, role: entry.role, summary: summary))
            }
            let admin = app.tenants.isPlatformAdmin(principal)
            return pages.render(
                "home", HomePage(tenants: tenants, empty: tenants.isEmpty),
                user: PageUser(session: session, principal: principal, platformAdmin: admin))
        }
    }

    func addStaticRoutes() {
        for (name, file) in pages.staticFiles.sorted(by: { $0.key < $1.key }) {
            registrar.addOpen(.get, "/ui/static/\(name)") { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = file.type
                headers[.cacheControl] = "public, max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
            }
        }
    }
}

struct HomePage {
    struct TenantRow {
        let slug: String
        let name: String
        let role: String
        let href: String
        let summary: Summary?
    }

    struct Summary {
        let models: Int
        let production: Int
        let staging: Int
        let pending: Int
        let overdue: Int
        let hasOverdue: Bool
    }

    static let summarised = 50

    let tenants: [TenantRow]
    let empty: Bool
}

extension HomePage.TenantRow {
    init(_ tenant: Tenant, role: Role?, summary: Portfolio?) {
        slug = tenant.slug.value
        name = tenant.displayName
        self.role = role?.rawValue ?? "platform admin"
        href = Display.tenantPath(tenant.slug.value)
        self.summary = summary.map {
            HomePage.Summary(
                models: $0.modelCount, production: $0.versionsByStage[.production] ?? 0, staging: $0.versionsByStage[.staging] ?? 0,
                pending: $0.pendingRequests, overdue: $0.overdueReviews, hasOverdue: $0.overdueReviews > 0)
        }
    }
}
