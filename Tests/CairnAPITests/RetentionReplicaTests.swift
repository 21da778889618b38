import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

/// Three real `cairn serve` processes against one database, each running the retention scheduler.
@Suite struct RetentionReplicaTests {
    @Test func threeServerProcessesRunEachTenantsPolicyOncePerInterval() async throws {
        let db = try await TestDatabase.shared()
        let store = PostgresRetentionStore(database: db.database)
        var tenants: [Tenant] = []
        for index in 0..<2 {
            let tenant = try await db.makeModel("replicas\(index)", versions: 12, status: .ready)
            _ = try await store.setPolicy(
                try RetentionPolicy(rules: [try RetentionRule(name: "keep three", keepLast: 3)]), in: tenant, by: Actor(username: "erin"),
                logger: db.logger)
            tenants.append(tenant)
        }
        let scratch = try TestEnvironment.scratchDirectory("retention-replicas")
        var servers: [ServerProcess] = []
        for replica in 0..<3 {
            servers.append(
                try await ServerProcess.start(
                    artifactRoot: "\(scratch)/store\(replica)",
                    environment: [
                        "CAIRN_RETENTION_INTERVAL_SECONDS": "2", "CAIRN_RETENTION_TENANTS": tenants.map(\.slug.value).joined(separator: ","),
                        "CAIRN_RETENTION_BATCH_SIZE": "2",
                    ]))
        }
        try await Task.sleep(for: .seconds(10))
        for server in servers {
            #expect(await server.stop(), "a replica did not shut down within 30 s of SIGTERM: \(server.log)")
        }

        for tenant in tenants {
            let runs = try await store.runs(in: tenant, before: nil, limit: 100, logger: db.logger).runs
            let slots = runs.compactMap(\.slot).sorted()
            #expect(slots.count == runs.count, "every run was a scheduled one")
            #expect(slots.count >= 3, "about five slots in ten seconds; ran \(slots.count)")
            #expect(Set(slots).count == slots.count, "a slot ran twice")
            // About 10 s of schedule plus the servers' start-up: not more than one run per 2 s, none before its slot.
            #expect(slots.count <= 8, "ran \(slots.count) times")
            #expect(runs.allSatisfy { $0.startedAt.timeIntervalSince($0.slot ?? .distantFuture) >= -0.01 }, "a run started before its slot")
            let gaps = zip(slots.dropFirst(), slots).map { $0.timeIntervalSince($1) }
            // Slots lie on one 2 s grid; none ran twice, and at most one was missed (a busy test machine).
            #expect(gaps.allSatisfy { $0 >= 1.99 && abs($0 / 2 - ($0 / 2).rounded()) < 0.005 }, "\(gaps)")
            #expect(gaps.filter { $0 > 2.01 }.count <= 1, "\(gaps)")
            #expect(runs.filter { $0.state == .running }.count <= 1)
            #expect(runs.reduce(0) { $0 + $1.counts.archived } == 9, "versions 1–9 archived once in all")
            let archived = try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await connection.query(
                    "SELECT count(*)::int, count(DISTINCT object_id)::int FROM cairn.audit_log WHERE action = 'model_version.archived'",
                    logger: db.logger
                ).decode((Int, Int).self).first { _ in true }
            }
            #expect(archived?.0 == 9 && archived?.1 == 9)
        }
    }
}
