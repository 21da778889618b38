import CairnCore
import Foundation
import Logging
import Synchronization
import Testing

/// The per-replica cache of tenants and roles, over a store that counts what reaches it. (Its behaviour against
/// PostgreSQL and across replicas is tested in CairnAPITests' AccessCacheTests.)
@Suite struct CachingTenantStoreTests {
    let logger = Logger(label: "cairn.test.access-cache")
    let readers: Set<DistinguishedName> = [DistinguishedName("cn=Readers,dc=x")]

    @Test func aSecondLookupIsAnsweredWithoutTheStore() async throws {
        let (base, clock) = (CountingTenantStore(), ManualClock())
        let cache = CachingTenantStore(base, ttl: .seconds(5), now: clock.read)
        #expect(try await cache.tenant(slug: base.acme.slug, logger: logger) == base.acme)
        #expect(try await cache.tenant(slug: base.acme.slug, logger: logger) == base.acme)
        #expect(try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger) == .reader)
        // The same groups spelt differently are the same key.
        #expect(try await cache.role(groups: [DistinguishedName("CN=readers, DC=x")], tenantID: base.acme.id, logger: logger) == .reader)
        #expect(base.calls == ["tenant", "role"])
    }

    @Test func anEntryLivesAtMostTheTTL() async throws {
        let (base, clock) = (CountingTenantStore(), ManualClock())
        let cache = CachingTenantStore(base, ttl: .seconds(5), now: clock.read)
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        base.role.withLock { $0 = nil }
        clock.advance(4.9)
        #expect(try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger) == .reader, "still within the TTL")
        clock.advance(0.2)
        #expect(try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger) == nil, "past the TTL: asked again")
        #expect(base.calls == ["role", "role"])
    }

    @Test func aNotifiedChangeDropsOnlyThatTenant() async throws {
        let base = CountingTenantStore()
        let cache = CachingTenantStore(base, ttl: .seconds(60))
        let changes = AccessChanges()
        changes.register(cache)
        let other = UUID()
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        _ = try await cache.role(groups: readers, tenantID: other, logger: logger)
        _ = try await cache.tenant(slug: base.acme.slug, logger: logger)
        changes.tenantChanged(base.acme.id)
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        _ = try await cache.role(groups: readers, tenantID: other, logger: logger)
        _ = try await cache.tenant(slug: base.acme.slug, logger: logger)
        #expect(base.calls == ["role", "role", "tenant", "role", "tenant"])
        changes.anythingMayHaveChanged()
        _ = try await cache.role(groups: readers, tenantID: other, logger: logger)
        #expect(base.calls.count == 6)
    }

    /// A lookup that started before a change and answers after it must not put the old answer back.
    @Test func anAnswerReadBeforeAChangeIsNotKept() async throws {
        let base = CountingTenantStore()
        let cache = CachingTenantStore(base, ttl: .seconds(60))
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        base.gate.withLock { $0 = enteredSignal }
        let lookup = Task { try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger) }
        for await _ in entered { break }  // the store has been asked and answers .reader once released
        cache.invalidate(tenantID: base.acme.id)
        base.role.withLock { $0 = .admin }
        base.release()
        #expect(try await lookup.value == .reader)
        #expect(try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger) == .admin)
    }

    @Test func writesThroughTheCacheDropTheirTenant() async throws {
        let base = CountingTenantStore()
        let cache = CachingTenantStore(base, ttl: .seconds(60))
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        _ = try await cache.replaceRoleBindings([], tenantID: base.acme.id, by: "erin", logger: logger)
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        _ = try await cache.updateSettings(merging: [:], tenantID: base.acme.id, by: "erin", logger: logger)
        _ = try await cache.role(groups: readers, tenantID: base.acme.id, logger: logger)
        #expect(base.calls == ["role", "replace", "role", "settings", "role"])
    }

    @Test func aZeroTTLCachesNothing() async throws {
        let base = CountingTenantStore()
        let cache = CachingTenantStore(base, ttl: .zero)
        _ = try await cache.tenant(slug: base.acme.slug, logger: logger)
        _ = try await cache.tenant(slug: base.acme.slug, logger: logger)
        #expect(base.calls == ["tenant", "tenant"])
    }
}

private final class ManualClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    var read: @Sendable () -> Date {
        let start = Date()
        return { [self] in start.addingTimeInterval(offset.withLock { $0 }) }
    }
}

/// One tenant, acme, whose readers group has `role`; records each call that reaches it.
private final class CountingTenantStore: TenantStore {
    let acme = Tenant(id: UUID(), slug: try! TenantSlug("acme"), displayName: "Acme", settings: [:], createdAt: Date(), createdBy: "pat")
    let role = Mutex<Role?>(.reader)
    /// When set, the next role lookup signals here and waits for `release()`.
    let gate = Mutex<AsyncStream<Void>.Continuation?>(nil)
    private let released = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let log = Mutex<[String]>([])

    var calls: [String] { log.withLock { $0 } }
    private func record(_ call: String) { log.withLock { $0.append(call) } }

    func release() {
        while true {
            if let waiting = released.withLock({ value -> CheckedContinuation<Void, Never>? in
                defer { value = nil }
                return value
            }) {
                waiting.resume()
                return
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    func tenant(slug: TenantSlug, logger: Logger) async throws -> Tenant? {
        record("tenant")
        return slug == acme.slug ? acme : nil
    }

    func role(groups: Set<DistinguishedName>, tenantID: UUID, logger: Logger) async throws -> Role? {
        record("role")
        let answer = role.withLock { $0 }
        if let signal = gate.withLock({ value -> AsyncStream<Void>.Continuation? in
            defer { value = nil }
            return value
        }) {
            await withCheckedContinuation { continuation in
                released.withLock { $0 = continuation }
                signal.yield()
            }
        }
        return answer
    }

    func createTenant(_ tenant: NewTenant, bindings: [RoleBinding], by actor: Actor, logger: Logger) async throws -> Tenant {
        record("create")
        return acme
    }

    func updateSettings(merging changes: JSONObject, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        record("settings")
        return acme
    }

    func updateDisplayName(_ name: String, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        record("rename")
        return acme
    }

    func retireTenant(tenantID: UUID, by actor: Actor, logger: Logger) async throws { record("retire") }

    func replaceRoleBindings(_ bindings: [RoleBinding], tenantID: UUID, by actor: Actor, logger: Logger) async throws -> [RoleBinding] {
        record("replace")
        return bindings
    }

    func allTenants(logger: Logger) async throws -> [Tenant] { [acme] }
    func tenantRoles(groups: Set<DistinguishedName>, logger: Logger) async throws -> [(tenant: Tenant, role: Role)] { [] }
    func roleBindings(tenantID: UUID, logger: Logger) async throws -> [RoleBinding] { [] }
}
