import CairnCore
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Logging
import Testing

/// Each replica caches tenants and callers' roles (`auth.access_cache_ttl_seconds`). Two servers on one database
/// stand for two replicas: a change made through one takes effect on the other through PostgreSQL's notification,
/// long before the TTL; on a replica whose listener is down, within the TTL.
@Suite struct AccessCacheTests {
    /// How long a notified change may take to reach another replica here (it takes milliseconds).
    static let notificationBound: Duration = .seconds(3)

    @Test func aRemovedBindingTakesEffectOnEveryReplicaWithinTheBound() async throws {
        let (a, b) = (try await APIHarness.make(accessCacheTTL: .seconds(600)), try await APIHarness.make(accessCacheTTL: .seconds(600)))
        let tenant = try await a.db.makeTenant("cache-binding")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await a.run { apiA in
            try await b.run { apiB in
                #expect(try await apiB.call(.get, "\(base)/models", as: "carol").status == .ok, "carol reads: B has cached her role")
                let onlyAdmins = #"{"role_bindings":[{"group":"\#(DirectoryFixture.admins.normalized)","role":"admin"}]}"#
                #expect(try await apiA.call(.put, "\(base)/role-bindings", as: "erin", body: onlyAdmins).status == .ok)
                let status = try await Self.eventually(within: Self.notificationBound) {
                    try await apiB.call(.get, "\(base)/models", as: "carol").status
                } until: {
                    $0 == .notFound
                }
                #expect(status == .notFound, "replica B forgot carol's role within \(Self.notificationBound), with a TTL of 600 s")
            }
        }
    }

    @Test func changedSettingsTakeEffectOnEveryReplicaWithinTheBound() async throws {
        let (a, b) = (try await APIHarness.make(accessCacheTTL: .seconds(600)), try await APIHarness.make(accessCacheTTL: .seconds(600)))
        let tenant = try await a.db.makeModel("cache-settings", versions: 1, status: .ready)
        let alias = "/api/v1/tenants/\(tenant.slug)/models/m/aliases/gold"
        try await a.run { apiA in
            try await b.run { apiB in
                #expect(try await apiB.call(.put, alias, as: "alice", body: #"{"version":1}"#).status == .ok, "gold is not protected yet")
                let protect = try await apiA.call(
                    .patch, "/api/v1/tenants/\(tenant.slug)/settings", as: "erin", body: #"{"protected_aliases":["gold"]}"#)
                #expect(protect.status == .ok, "\(protect.text)")
                let status = try await Self.eventually(within: Self.notificationBound) {
                    try await apiB.call(.put, alias, as: "alice", body: #"{"version":1}"#).status
                } until: {
                    $0 == .forbidden
                }
                #expect(status == .forbidden, "replica B applies the protected alias within \(Self.notificationBound)")
            }
        }
    }

    /// A replica whose listener never connects hears no notification: it keeps the cached role until the TTL ends,
    /// then asks the database. Its clock is the test's, so the TTL passes at once.
    @Test func aBindingChangedWhileTheListenerIsDownTakesEffectWithinTheTTL() async throws {
        let clock = TestClock()
        let db = try await TestDatabase.shared()
        let deaf = EventRelay(
            hub: EventHub(), store: PostgresEventStore(database: db.database), connect: { _ in throw CancellationError() },
            logger: Logger(label: "cairn.test.deaf-relay"))
        let a = try await APIHarness.make(accessCacheTTL: .seconds(600))
        let c = try await APIHarness.make(accessCacheTTL: .seconds(30), now: clock.reading, relay: deaf)
        let tenant = try await db.makeTenant("cache-deaf")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await a.run { apiA in
            try await c.run { apiC in
                #expect(try await apiC.call(.get, "\(base)/models", as: "carol").status == .ok)
                let onlyAdmins = #"{"role_bindings":[{"group":"\#(DirectoryFixture.admins.normalized)","role":"admin"}]}"#
                #expect(try await apiA.call(.put, "\(base)/role-bindings", as: "erin", body: onlyAdmins).status == .ok)
                #expect(try await apiA.call(.get, "\(base)/models", as: "carol").status == .notFound, "the replica that made the change")
                try await Task.sleep(for: .milliseconds(300))
                #expect(
                    try await apiC.call(.get, "\(base)/models", as: "carol").status == .ok,
                    "C heard nothing: within the TTL it still serves its cached role (the bound is the TTL, not sooner)")
                clock.advance(by: .seconds(31))
                #expect(try await apiC.call(.get, "\(base)/models", as: "carol").status == .notFound, "past the TTL C asks the database")
            }
        }
    }

    /// Polls `probe` until `done` holds or `within` passes; returns the last answer.
    static func eventually<T: Sendable>(
        within limit: Duration, _ probe: () async throws -> T, until done: (T) -> Bool
    ) async throws -> T {
        let deadline = ContinuousClock.now + limit
        while true {
            let answer = try await probe()
            if done(answer) || ContinuousClock.now >= deadline { return answer }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
