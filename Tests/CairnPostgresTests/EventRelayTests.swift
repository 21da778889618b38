import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

/// The relay: a dedicated LISTEN connection feeding the hub, against the real PostgreSQL.
@Suite struct EventRelayTests {
    let db: TestDatabase
    let store: PostgresEventStore

    init() async throws {
        db = try await TestDatabase.shared()
        store = PostgresEventStore(database: db.database)
    }

    func relay(_ hub: EventHub) throws -> EventRelay {
        let url = try TestEnvironment.databaseURL()
        return EventRelay(
            hub: hub, store: store,
            connect: { logger in try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 42, logger: logger) },
            logger: db.logger, batchSize: 50)
    }

    /// Subscribes to `tenant` from its current newest event, as an SSE stream does.
    func subscribe(_ hub: EventHub, _ tenant: Tenant) async throws -> EventHub.Subscription {
        let subscription = await hub.subscribe(tenantID: tenant.id)
        await hub.startCursor(tenantID: tenant.id, at: try await store.latestEventID(tenantID: tenant.id, logger: db.logger))
        return subscription
    }

    /// Collects `count` events from the subscription, or fails after `seconds`.
    func collect(_ count: Int, from subscription: EventHub.Subscription, seconds: Int = 20) async throws -> [RegistryEvent] {
        try await withThrowingTaskGroup(of: [RegistryEvent].self) { group in
            group.addTask {
                var got: [RegistryEvent] = []
                for await event in subscription.events {
                    got.append(event)
                    if got.count == count { break }
                }
                return got
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return []
            }
            defer { group.cancelAll() }
            return try await group.next() ?? []
        }
    }

    func withRelay<T: Sendable>(_ hub: EventHub, _ body: @Sendable (EventRelay) async throws -> T) async throws -> T {
        let relay = try relay(hub)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await relay.run()
                return nil
            }
            defer { group.cancelAll() }
            for _ in 0..<200 where !relay.status.listening { try await Task.sleep(for: .milliseconds(10)) }
            return try await body(relay)
        }
    }

    @Test func aLowerIdCommittingAfterAHigherOneIsStillDelivered() async throws {
        let a = try await db.makeModel("relay-a", versions: 1)
        let b = try await db.makeModel("relay-b", versions: 1)
        let hub = EventHub()
        let (subA, subB) = (try await subscribe(hub, a), try await subscribe(hub, b))
        let db = self.db
        try await withRelay(hub) { _ in
            let (holding, holdingSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            // A's change takes its id first and commits last.
            let slow = Task {
                try await db.database.withTenant(a.id, logger: db.logger) { connection in
                    try await OutboxTests.auditedChange(
                        "model_version.stage_changed", model: "m", version: 1, tenantID: a.id, on: connection, logger: db.logger)
                    holdingSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in holding { break }
            try await db.database.withTenant(b.id, logger: db.logger) { connection in
                try await OutboxTests.auditedChange(
                    "model_version.stage_changed", model: "m", version: 1, tenantID: b.id, on: connection, logger: db.logger)
            }
            let fromB = try await collect(1, from: subB)
            releaseSignal.yield()
            try await slow.value
            let fromA = try await collect(1, from: subA)
            #expect(fromB.count == 1)
            #expect(fromA.count == 1)
            #expect((fromA.first?.id ?? .max) < (fromB.first?.id ?? 0), "A's id is the lower one, yet it committed after B's")
        }
    }

    @Test func terminatingTheListenersBackendMidBurstLosesNothing() async throws {
        let tenant = try await db.makeModel("relay-kill", versions: 4)
        let hub = EventHub(bufferSize: 10_000)
        let subscription = try await subscribe(hub, tenant)
        let db = self.db
        let changes = 300
        let received = try await withRelay(hub) { relay in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        for i in 0..<(changes / 6) {
                            _ = try await db.registry.updateVersion(
                                worker % 4 + 1, of: "m",
                                try ModelVersionChanges(description: "w\(worker)-\(i)", status: nil, statusMessage: nil, tags: nil, metrics: nil),
                                in: tenant, by: "test", logger: db.logger)
                        }
                    }
                }
                group.addTask {
                    let superuser = try await PostgresConnection.connect(
                        configuration: try TestEnvironment.superuserURL().connectionConfiguration(), id: 7, logger: db.logger)
                    for _ in 0..<3 {
                        try await Task.sleep(for: .milliseconds(150))
                        try await superuser.query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN \"cairn_events\";' AND usename = 'cairn_app'",
                            logger: db.logger)
                    }
                    try await superuser.close()
                }
                try await group.waitForAll()
            }
            let got = try await collect(changes, from: subscription, seconds: 30)
            #expect(relay.status.reconnects >= 1, "the listener was never cut off")
            return got
        }
        #expect(received.count == changes)
        #expect(Set(received.map(\.id)).count == received.count, "an event was delivered twice")
        #expect(received.map(\.id) == received.map(\.id).sorted(), "events out of commit order")
        let stored = try await store.events(after: 0, tenantID: tenant.id, limit: 1000, logger: db.logger).filter {
            $0.type == "model_version.updated"
        }
        #expect(received.map(\.id) == stored.map(\.id))
    }

    /// The listener's connection silenced by a proxy: it stays open and says nothing, as one the server or network
    /// dropped without the client noticing does. The watchdog's probe goes unanswered, the relay gives the connection
    /// up without waiting on it, and the changes committed meanwhile still arrive.
    @Test func aListenerWhoseConnectionGoesSilentIsReplaced() async throws {
        let tenant = try await db.makeModel("relay-silent", versions: 1)
        let hub = EventHub()
        let subscription = try await subscribe(hub, tenant)
        let url = try TestEnvironment.databaseURL()
        let proxy = try SilenceableProxy(targetPort: url.port)
        defer { proxy.stop() }
        let connects = Atomic<Int>(0)
        let relay = EventRelay(
            hub: hub, store: store,
            connect: { [port = proxy.port] logger in
                let configuration = PostgresConnection.Configuration(
                    host: "127.0.0.1", port: port, username: url.username, password: url.password, database: url.database, tls: .disable)
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 43, logger: logger)
                connects.add(1, ordering: .sequentiallyConsistent)
                return connection
            },
            logger: db.logger, probeInterval: .milliseconds(200), stallTimeout: .milliseconds(800))
        let db = self.db
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await relay.run() }
            defer { group.cancelAll() }
            for _ in 0..<200 where !relay.status.listening { try await Task.sleep(for: .milliseconds(10)) }
            proxy.silenceOpenConnections()
            for step in 0..<5 {
                _ = try await db.registry.updateVersion(
                    1, of: "m", try ModelVersionChanges(description: "s\(step)", status: nil, statusMessage: nil, tags: nil, metrics: nil),
                    in: tenant, by: "test", logger: db.logger)
            }
            let received = try await collect(5, from: subscription, seconds: 15)
            #expect(received.count == 5, "the changes made while the listener was silenced arrived")
            #expect(relay.status.reconnects >= 1)
            #expect(connects.load(ordering: .sequentiallyConsistent) >= 2, "the relay connected again")
        }
    }

    /// A reader slower than the burst, with buffers far smaller than it: whatever it misses live it reads from the
    /// outbox, so the ids it receives are exactly the stored ones, none skipped, none twice.
    @Test func aSlowFollowerReceivesEveryEventOfABurstLargerThanEveryBuffer() async throws {
        let tenant = try await db.makeModel("slow-reader", versions: 2)
        let hub = EventHub(bufferSize: 4)
        let db = self.db
        let changes = 200
        let start = try await store.latestEventID(tenantID: tenant.id, logger: db.logger)
        let follower = EventFollower(
            store: store, hub: hub, tenantID: tenant.id, filter: try EventFilter(types: ["model_version.updated"]), limit: changes,
            heartbeat: .seconds(30), logger: db.logger)
        let received = try await withRelay(hub) { _ in
            try await withThrowingTaskGroup(of: [Int64]?.self) { group in
                group.addTask {
                    var ids: [Int64] = []
                    try await follower.run(
                        after: start,
                        deliver: { event in
                            ids.append(event.id)
                            try await Task.sleep(for: .milliseconds(15))
                        }, heartbeat: {})
                    return ids
                }
                for worker in 0..<4 {
                    group.addTask {
                        for i in 0..<(changes / 4) {
                            _ = try await db.registry.updateVersion(
                                worker % 2 + 1, of: "m",
                                try ModelVersionChanges(
                                    description: "burst \(worker)-\(i)", status: nil, statusMessage: nil, tags: nil, metrics: nil),
                                in: tenant, by: "test", logger: db.logger)
                        }
                        return nil
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(60))
                    return []
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let ids = result { return ids }
                }
                return []
            }
        }
        let stored = try await store.events(after: start, tenantID: tenant.id, limit: 1000, logger: db.logger).map(\.id)
        #expect(stored.count == changes)
        #expect(received == stored, "received \(received.count) of \(stored.count)")
    }

    /// 10,000 events, interleaved between two tenants: each subscriber gets exactly its own tenant's, in order.
    @Test func tenMixedThousandEventsReachOnlyTheirOwnTenant() async throws {
        let a = try await db.makeModel("mix-a", versions: 1)
        let b = try await db.makeModel("mix-b", versions: 1)
        let hub = EventHub(bufferSize: 20_000)
        let (subA, subB) = (try await subscribe(hub, a), try await subscribe(hub, b))
        let db = self.db
        let perTenant = 5_000
        try await withRelay(hub) { _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for tenant in [a, b] {
                    group.addTask {
                        for _ in 0..<(perTenant / 500) {
                            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                                try await connection.query(
                                    """
                                    INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, after, prev_hash, hash, seq)
                                    SELECT \(tenant.id), now(), 'test', 'model_version.stage_changed', 'model_version', 'm/1',
                                           jsonb_build_object('model', 'm', 'version', 1, 'n', n), '', '', 0
                                    FROM generate_series(1, 500) AS n
                                    """, logger: db.logger)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (gotA, gotB) = (try await collect(perTenant, from: subA, seconds: 60), try await collect(perTenant, from: subB, seconds: 60))
            #expect(gotA.count == perTenant)
            #expect(gotB.count == perTenant)
            #expect(gotA.allSatisfy { $0.tenantID == a.id })
            #expect(gotB.allSatisfy { $0.tenantID == b.id })
            #expect(Set(gotA.map(\.id)).isDisjoint(with: gotB.map(\.id)))
            #expect(gotA.map(\.id) == gotA.map(\.id).sorted())
            let storedA = try await store.events(after: 0, tenantID: a.id, limit: 10_000, logger: db.logger).filter {
                $0.type == "model_version.stage_changed"
            }
            #expect(gotA.map(\.id) == storedA.map(\.id))
        }
    }
}
