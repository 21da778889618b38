import CairnCore

/// The tenant bar above every page of one tenant: where the person is, their role, and only the sections that role
/// opens (the server refuses the others anyway).
struct TenantNav {
    struct Link {
        let label: String
        let href: String
        let current: Bool
    }

    let slug: String
    let name: String
    let role: String
    let links: [Link]

    enum Section: String {
        case dashboard, models, approvals, served, audit, admin
    }

    init(_ scope: RequestScope, current: Section) {
        slug = scope.tenant.slug.value
        name = scope.tenant.displayName
        role = scope.access.role?.rawValue ?? "platform admin"
        var links: [(Section, String, String)] = [
            (.dashboard, "Dashboard", ""), (.models, "Models", "models"), (.approvals, "Approvals", "approvals"),
            (.served, "What served when", "served"),
        ]
        if scope.role >= .approver { links.append((.audit, "Audit log", "audit")) }
        if scope.role >= .admin { links.append((.admin, "Retention", "admin/retention")) }
        let slug = self.slug
        self.links = links.map { Link(label: $0.1, href: Display.tenantPath(slug, $0.2), current: $0.0 == current) }
    }
}
