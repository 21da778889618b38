public import CairnCore
public import Logging

/// Tenants, who may see them, their role bindings and their settings.
public struct TenantAdministration: Sendable {
    let store: any TenantStore
    public let platformAdminGroup: DistinguishedName?

    public init(store: any TenantStore, platformAdminGroup: DistinguishedName?) {
        self.store = store
        self.platformAdminGroup = platformAdminGroup
    }

    /// Platform administration is a person's right; an API token never carries it.
    public func isPlatformAdmin(_ principal: Principal) -> Bool {
        principal.token == nil && (platformAdminGroup.map(principal.groups.contains) ?? false)
    }

    /// The tenant named `slug` and what `principal` may do there. A tenant the caller has no role in (and cannot
    /// administer) is not found, so its existence does not leak.
    public func scope(_ slug: TenantSlug, for principal: Principal, known: Tenant? = nil, requestID: String, logger: Logger) async throws
        -> RequestScope
    {
        let tenant: Tenant
        if let known, known.slug == slug {
            tenant = known
        } else if let found = try await store.tenant(slug: slug, logger: logger) {
            tenant = found
        } else {
            throw CairnError.notFound("Tenant '\(slug)' not found.")
        }
        let role = try await store.role(groups: principal.groups, tenantID: tenant.id, logger: logger)
        let access = TenantAccess(principal: principal, tenantID: tenant.id, boundRole: role, platformAdminGroup: platformAdminGroup)
        guard access.canSeeTenant else { throw CairnError.notFound("Tenant '\(slug)' not found.") }
        var scoped = logger
        scoped[metadataKey: "cairn.tenant"] = "\(tenant.slug)"
        return RequestScope(tenant: tenant, principal: principal, access: access, requestID: requestID, logger: scoped)
    }

    /// Creates a tenant with its first bindings; the creator's role is what those bindings give their groups.
    public func create(_ tenant: NewTenant, bindings: [RoleBinding], by actor: Actor, principal: Principal, logger: Logger) async throws
        -> (tenant: Tenant, role: Role?)
    {
        guard isPlatformAdmin(principal) else { throw CairnError.denied("Only platform administrators may do this.") }
        let checked = try bindings.validated()
        let created = try await store.createTenant(tenant, bindings: checked, by: actor, logger: logger)
        logger.info("tenant created", metadata: ["cairn.tenant": "\(created.slug)"])
        return (created, checked.role(for: principal.groups))
    }

    /// Sets a tenant's display name; platform administrators only.
    public func rename(_ slug: TenantSlug, to displayName: String, principal: Principal, requestID: String, logger: Logger) async throws
        -> Tenant
    {
        let scope = try await platformScope(slug, principal: principal, requestID: requestID, logger: logger)
        let name = try NewTenant.displayName(displayName)
        let updated = try await store.updateDisplayName(name, tenantID: scope.tenant.id, by: scope.actor, logger: scope.logger)
        scope.logger.info("tenant renamed")
        return updated
    }

    /// Retires an empty tenant; platform administrators only (see `TenantStore.retireTenant`).
    public func retire(_ slug: TenantSlug, principal: Principal, requestID: String, logger: Logger) async throws {
        let scope = try await platformScope(slug, principal: principal, requestID: requestID, logger: logger)
        try await store.retireTenant(tenantID: scope.tenant.id, by: scope.actor, logger: scope.logger)
        scope.logger.notice("tenant retired")
    }

    /// A platform administrator's scope in a tenant; anyone else cannot find a tenant they have no role in, and is
    /// refused one they have a role in.
    private func platformScope(_ slug: TenantSlug, principal: Principal, requestID: String, logger: Logger) async throws -> RequestScope {
        let scope = try await self.scope(slug, for: principal, requestID: requestID, logger: logger)
        guard isPlatformAdmin(principal) else { throw CairnError.denied("Only platform administrators may do this.") }
        return scope
    }

    /// The tenants a caller sees with their role there: every tenant for platform admins, else those where a
    /// group of theirs is bound (a token: only its own tenant, capped at its role).
    public func visibleTenants(to principal: Principal, logger: Logger) async throws -> [(tenant: Tenant, role: Role?)] {
        let roles = try await store.tenantRoles(groups: principal.groups, logger: logger)
        if isPlatformAdmin(principal) {
            let all = try await store.allTenants(logger: logger)
            return all.map { tenant in (tenant, roles.first { $0.tenant.id == tenant.id }?.role) }
        }
        return roles.compactMap { entry in
            let access = TenantAccess(principal: principal, tenantID: entry.tenant.id, boundRole: entry.role, platformAdminGroup: nil)
            return access.role.map { (entry.tenant, $0) }
        }
    }

    public func roleBindings(_ scope: RequestScope) async throws -> [RoleBinding] {
        try scope.access.requireBindingManagement()
        return try await store.roleBindings(tenantID: scope.tenant.id, logger: scope.logger)
    }

    public func replaceRoleBindings(_ bindings: [RoleBinding], _ scope: RequestScope) async throws -> [RoleBinding] {
        try scope.access.requireBindingManagement()
        let saved = try await store.replaceRoleBindings(
            try bindings.validated(), tenantID: scope.tenant.id, by: scope.actor, logger: scope.logger)
        scope.logger.info("role bindings replaced", metadata: ["cairn.bindings": "\(saved.count)"])
        return saved
    }

    /// Merges `changes` (null removes a key) into the settings inside the store's transaction, on the locked row.
    public func updateSettings(merging changes: JSONObject, _ scope: RequestScope) async throws -> Tenant {
        try scope.access.require(.admin)
        return try await store.updateSettings(merging: changes, tenantID: scope.tenant.id, by: scope.actor, logger: scope.logger)
    }
}
