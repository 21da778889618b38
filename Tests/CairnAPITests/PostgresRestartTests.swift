import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// PostgreSQL restarted in the middle of a burst of changes, under a real `cairn serve` with an SSE subscriber and a
/// webhook receiver: every change that committed reaches both.
@Suite(.serialized) struct PostgresRestartTests {
    @Test(.timeLimit(.minutes(3))) func restartingPostgreSQLMidBurstLosesNothingCommitted() async throws {
        let cluster = try RestartableCluster()
        let db = try await TestDatabase.restartable()
        let tenant = try await db.makeModel("pg-restart", versions: 4)
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        _ = try await PostgresWebhookStore(database: db.database).createWebhook(
            try WebhookSpec(url: receiver.url, description: nil, eventTypes: ["model_version.updated"], model: nil, active: true),
            secret: .generate(), by: Actor(username: "test"), in: tenant, logger: db.logger)

        let scratch = try TestEnvironment.scratchDirectory("pg-restart")
        let server = try await ServerProcess.start(
            artifactRoot: "\(scratch)/store",
            environment: [
                "CAIRN_DATABASE_URL": try cluster.databaseURLText, "CAIRN_WEBHOOK_CONCURRENCY": "8", "CAIRN_WEBHOOK_TENANTS": tenant.slug.value,
                "CAIRN_WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "CAIRN_WEBHOOK_POLL_INTERVAL_MS": "50", "CAIRN_WEBHOOK_RETRY_BASE_MS": "100",
                "CAIRN_WEBHOOK_RETRY_MAX_MS": "500", "CAIRN_WEBHOOK_TIMEOUT_SECONDS": "2",
            ])
        defer { server.kill() }
        let sse = "\(scratch)/updates.sse"
        let follower = try Subprocess.start(
            "/usr/bin/curl",
            ["-sS", "-N", "-u", "carol:carol-pw", "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/events?type=model_version.updated"], log: sse)
        defer {
            kill(follower, SIGKILL)
            Subprocess.reap(follower)
        }
        for _ in 0..<250 where (try? String(contentsOfFile: sse, encoding: .utf8))?.contains(": cairn events") != true {
            try await Task.sleep(for: .milliseconds(20))
        }

        // Four writers; each change that fails (the restart cut its connection) is tried again until it succeeds.
        let perWriter = 60
        let failures = Failures()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 1...4 {
                group.addTask {
                    for step in 0..<perWriter {
                        let deadline = ContinuousClock.now + .seconds(60)
                        while true {
                            do {
                                // A call whose connection was cut mid-transaction can stay pending (PostgresNIO 1.33.2).
                                let done = try await abandoning(after: .seconds(5)) {
                                    _ = try await db.registry.updateVersion(
                                        writer, of: "m",
                                        try ModelVersionChanges(
                                            description: "w\(writer)-\(step)", status: nil, statusMessage: nil, tags: nil, metrics: nil),
                                        in: tenant, by: "test", logger: db.logger)
                                }
                                if done != nil {
                                    await failures.committed()
                                    try await Task.sleep(for: .milliseconds(5))  // a burst long enough to span the restart
                                    break
                                }
                                await failures.add()
                            } catch {
                                await failures.add()
                                guard ContinuousClock.now < deadline else { throw error }
                                try await Task.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                }
            }
            group.addTask {
                // Restart once a sixth of the changes are in: mid-burst on any machine.
                while await failures.commits < perWriter * 4 / 6 { try await Task.sleep(for: .milliseconds(5)) }
                try await cluster.restart()
            }
            try await group.waitForAll()
        }

        let stored = try await PostgresEventStore(database: db.database).events(after: 0, tenantID: tenant.id, limit: 5000, logger: db.logger)
            .filter { $0.type == "model_version.updated" }
        #expect(stored.count >= 4 * perWriter, "every change committed at least once")
        var streamed: [Int64] = []
        for _ in 0..<1500 {
            streamed = ServerProcessTests.serverSentEvents((try? String(contentsOfFile: sse, encoding: .utf8)) ?? "").map(\.id)
            if streamed.count >= stored.count, Set(receiver.received.compactMap(\.messageID)).count >= stored.count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = (try? String(contentsOfFile: server.log, encoding: .utf8)) ?? ""
        #expect(
            streamed == stored.map(\.id), "the SSE subscriber got every committed change once, in order; the server said: \(log.suffix(3000))")
        #expect(Set(receiver.received.compactMap(\.messageID)) == Set(stored.map { "evt_\($0.id)" }), "the receiver got every one")
        #expect(await failures.count > 0, "the restart interrupted the writers (else this test proves nothing)")
        #expect(!log.contains("Fatal error"), "\(log.suffix(2000))")
        try? FileManager.default.removeItem(atPath: scratch)
    }
}

private actor Failures {
    private(set) var count = 0
    private(set) var commits = 0
    func add() { count += 1 }
    func committed() { commits += 1 }
}
