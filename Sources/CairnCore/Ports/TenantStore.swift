public import Foundation
public import Logging

public protocol TenantStore: Sendable {
    func createTenant(_ tenant: NewTenant, bindings: [RoleBinding], by actor: Actor, logger: Logger) async throws -> Tenant
    func tenant(slug: TenantSlug, logger: Logger) async throws -> Tenant?
    func allTenants(logger: Logger) async throws -> [Tenant]
    /// Merges `changes` (null removes a key) into the settings as they are when the tenant's row is locked, so two
    /// concurrent changes of different keys both survive.
    func updateSettings(merging changes: JSONObject, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant
    /// Sets the tenant's display name (its slug stays).
    func updateDisplayName(_ name: String, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant
    /// Retires an empty tenant (no registered models): it then resolves for nobody while its audit trail stays; its
    /// bindings are removed, its tokens revoked, its webhooks switched off. Its slug is never given out again.
    func retireTenant(tenantID: UUID, by actor: Actor, logger: Logger) async throws
    /// Every tenant where one of `groups` is bound, with the highest role bound.
    func tenantRoles(groups: Set<DistinguishedName>, logger: Logger) async throws -> [(tenant: Tenant, role: Role)]
    func role(groups: Set<DistinguishedName>, tenantID: UUID, logger: Logger) async throws -> Role?
    func roleBindings(tenantID: UUID, logger: Logger) async throws -> [RoleBinding]
    func replaceRoleBindings(_ bindings: [RoleBinding], tenantID: UUID, by actor: Actor, logger: Logger) async throws -> [RoleBinding]
}
