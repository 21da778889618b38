public import Foundation
public import Logging
import Synchronization

/// Remembers tenants by slug and the role a set of groups has in a tenant, so a request resolves its tenant and
/// role without a database round trip. Staleness is bounded twice: every replica's event listener drops a tenant's
/// entries when PostgreSQL reports a change of its row or its role bindings (`invalidate(tenantID:)`, within
/// milliseconds), and drops everything when it reconnects after missing notifications (`invalidateAll()`); without
/// a listener, an entry lives at most `ttl`. Writes through this store drop their tenant's entries at once.
public final class CachingTenantStore: TenantStore {
    private struct RoleKey: Hashable {
        let tenantID: UUID
        let groups: Set<String>
    }

    private struct Entry<Value> {
        let value: Value
        let expires: Date
    }

    private struct State {
        /// Bumped by every invalidation: an answer read before one is not stored after it.
        var generation: UInt64 = 0
        var tenants: [String: Entry<Tenant>] = [:]
        var roles: [RoleKey: Entry<Role?>] = [:]
    }

    private let base: any TenantStore
    private let ttl: TimeInterval
    private let maxEntries: Int
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    /// `ttl` zero turns caching off.
    public init(_ base: any TenantStore, ttl: Duration, maxEntries: Int = 100_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.base = base
        self.ttl = ttl.seconds
        self.maxEntries = max(1, maxEntries)
        self.now = now
    }

    public func invalidate(tenantID: UUID) {
        state.withLock { state in
            state.generation &+= 1
            state.tenants = state.tenants.filter { $0.value.value.id != tenantID }
            state.roles = state.roles.filter { $0.key.tenantID != tenantID }
        }
    }

    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.tenants = [:]
            state.roles = [:]
        }
    }

    public func tenant(slug: TenantSlug, logger: Logger) async throws -> Tenant? {
        let (cached, generation) = state.withLock { state in (state.tenants[slug.value], state.generation) }
        if let cached, cached.expires > now() { return cached.value }
        guard let tenant = try await base.tenant(slug: slug, logger: logger) else { return nil }
        store(generation) { $0.tenants[slug.value] = Entry(value: tenant, expires: $1) }
        return tenant
    }

    public func role(groups: Set<DistinguishedName>, tenantID: UUID, logger: Logger) async throws -> Role? {
        let key = RoleKey(tenantID: tenantID, groups: Set(groups.map(\.normalized)))
        let (cached, generation) = state.withLock { state in (state.roles[key], state.generation) }
        if let cached, cached.expires > now() { return cached.value }
        let role = try await base.role(groups: groups, tenantID: tenantID, logger: logger)
        store(generation) { $0.roles[key] = Entry(value: role, expires: $1) }
        return role
    }

    private func store(_ generation: UInt64, _ write: (inout State, Date) -> Void) {
        guard ttl > 0 else { return }
        let expires = now().addingTimeInterval(ttl)
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.tenants.count + state.roles.count >= maxEntries {
                state.tenants = [:]
                state.roles = [:]
            }
            write(&state, expires)
        }
    }

    // Writes and listings go to the store; a write drops what it changes.

    public func createTenant(_ tenant: NewTenant, bindings: [RoleBinding], by actor: Actor, logger: Logger) async throws -> Tenant {
        let created = try await base.createTenant(tenant, bindings: bindings, by: actor, logger: logger)
        invalidate(tenantID: created.id)
        return created
    }

    public func updateSettings(merging changes: JSONObject, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        defer { invalidate(tenantID: tenantID) }
        return try await base.updateSettings(merging: changes, tenantID: tenantID, by: actor, logger: logger)
    }

    public func updateDisplayName(_ name: String, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        defer { invalidate(tenantID: tenantID) }
        return try await base.updateDisplayName(name, tenantID: tenantID, by: actor, logger: logger)
    }

    public func retireTenant(tenantID: UUID, by actor: Actor, logger: Logger) async throws {
        defer { invalidate(tenantID: tenantID) }
        try await base.retireTenant(tenantID: tenantID, by: actor, logger: logger)
    }

    public func replaceRoleBindings(_ bindings: [RoleBinding], tenantID: UUID, by actor: Actor, logger: Logger) async throws -> [RoleBinding] {
        defer { invalidate(tenantID: tenantID) }
        return try await base.replaceRoleBindings(bindings, tenantID: tenantID, by: actor, logger: logger)
    }

    public func allTenants(logger: Logger) async throws -> [Tenant] {
        try await base.allTenants(logger: logger)
    }

    public func tenantRoles(groups: Set<DistinguishedName>, logger: Logger) async throws -> [(tenant: Tenant, role: Role)] {
        try await base.tenantRoles(groups: groups, logger: logger)
    }

    public func roleBindings(tenantID: UUID, logger: Logger) async throws -> [RoleBinding] {
        try await base.roleBindings(tenantID: tenantID, logger: logger)
    }
}

/// Where a replica's listener reports changes of tenants' access; each cache registered here hears them. Holds its
/// caches weakly, so a server that goes away takes its cache with it.
public final class AccessChanges: Sendable {
    private struct Registered: @unchecked Sendable {
        weak var cache: CachingTenantStore?
    }

    private let caches = Mutex<[Registered]>([])

    public init() {}

    public func register(_ cache: CachingTenantStore) {
        caches.withLock { caches in
            caches.removeAll { $0.cache == nil }
            caches.append(Registered(cache: cache))
        }
    }

    public func tenantChanged(_ tenantID: UUID) {
        for cache in live() { cache.invalidate(tenantID: tenantID) }
    }

    /// After the listener missed notifications (it reconnected): nothing cached can be trusted.
    public func anythingMayHaveChanged() {
        for cache in live() { cache.invalidateAll() }
    }

    private func live() -> [CachingTenantStore] { caches.withLock { $0.compactMap(\.cache) } }
}
