import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// 1,000 stage changes from concurrent writers, followed by SSE subscribers and webhook receivers of the real
/// `cairn serve`: every subscriber sees each change exactly once, every receiver at least once under one stable
/// webhook-id, all in commit order per model.
@Suite(.serialized) struct NotificationFanOutTests {
    let db: TestDatabase

    init() async throws {
        db = try await TestDatabase.shared()
    }

    /// (event id, model) of each received message, first occurrence per webhook-id only.
    static func firstReceipts(_ received: [WebhookReceiver.Received]) throws -> [(id: Int64, model: String)] {
        var seen = Set<String>()
        var receipts: [(Int64, String)] = []
        for request in received where seen.insert(request.messageID ?? "").inserted {
            let message = try JSONDecoder().decode(JSONValue.self, from: Data(request.body))
            guard case .object(let top) = message, case .object(let data)? = top["data"], case .number(let id)? = data["id"],
                case .string(let model)? = data["model"]
            else { throw TestSetupError("not an event message: \(message)") }
            #expect(request.messageID == "evt_\(Int64(id))")
            receipts.append((Int64(id), model))
        }
        return receipts
    }

    @Test func thousandStageChangesReachEverySubscriberAndReceiverOnceInCommitOrderPerModel() async throws {
        let tenant = try await db.makeTenant("fan-out")
        let models = (0..<10).map { "model-\($0)" }
        for name in models {
            _ = try await db.registry.createModel(
                try NewRegisteredModel(name: try ModelName(name), description: nil, owner: nil, tags: nil), in: tenant, by: "test", logger: db.logger)
            _ = try await db.registry.createVersion(
                of: name,
                try NewModelVersion(
                    status: .ready, description: nil, source: nil, runID: nil, runLink: nil, lineage: nil, hyperparameters: nil, metrics: nil,
                    environment: nil, tags: nil),
                in: tenant, by: "test", logger: db.logger)
        }
        let steady = try await WebhookReceiver.start()
        // Every seventh answer is a 500: those messages are retried, and the model's next waits for them.
        let flaky = try await WebhookReceiver.start(script: (0..<1200).map { $0 % 7 == 6 ? .status(500) : .status(204) })
        defer {
            steady.stop()
            flaky.stop()
        }
        let webhooks = PostgresWebhookStore(database: db.database)
        for receiver in [steady, flaky] {
            _ = try await webhooks.createWebhook(
                try WebhookSpec(url: receiver.url, description: nil, eventTypes: ["model_version.stage_changed"], model: nil, active: true),
                secret: .generate(), by: Actor(username: "test"), in: tenant, logger: db.logger)
        }

        let scratch = try TestEnvironment.scratchDirectory("fan-out")
        let server = try await ServerProcess.start(
            artifactRoot: "\(scratch)/store",
            environment: [
                "CAIRN_WEBHOOK_CONCURRENCY": "16", "CAIRN_WEBHOOK_TENANTS": tenant.slug.value, "CAIRN_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
                "CAIRN_WEBHOOK_POLL_INTERVAL_MS": "50", "CAIRN_WEBHOOK_RETRY_BASE_MS": "20", "CAIRN_WEBHOOK_RETRY_MAX_MS": "100",
            ])
        defer { server.kill() }
        let changes = 1000
        let stream = "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/events?type=model_version.stage_changed&limit=\(changes)"
        var followers: [Int32] = []
        for index in 0..<3 {
            followers.append(
                try Subprocess.start("/usr/bin/curl", ["-sS", "-N", "-u", "carol:carol-pw", stream], log: "\(scratch)/\(index).sse"))
        }
        for _ in 0..<250 {
            let opened = (0..<3).map { (try? String(contentsOfFile: "\(scratch)/\($0).sse", encoding: .utf8))?.contains(": cairn events") == true }
            if !opened.contains(false) { break }
            try await Task.sleep(for: .milliseconds(20))
        }

        // Ten writers, one per model, each moving its version between None and Staging 100 times.
        let db = self.db
        let lifecycle = PostgresLifecycleStore(database: db.database)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in models {
                group.addTask {
                    for step in 0..<(changes / models.count) {
                        _ = try await lifecycle.transition(
                            1, of: name, try StageChange(toStage: step % 2 == 0 ? .staging : .none, comment: nil, archiveExisting: nil),
                            role: .contributor, policy: LifecyclePolicy(), in: tenant, by: Actor(username: "alice"), logger: db.logger)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await PostgresEventStore(database: db.database).events(after: 0, tenantID: tenant.id, limit: 5000, logger: db.logger)
            .filter { $0.type == "model_version.stage_changed" }
        #expect(stored.count == changes)

        for follower in followers { try await ServerProcessTests.finish(follower, within: 60) }
        for index in 0..<3 {
            let got = ServerProcessTests.serverSentEvents(try String(contentsOfFile: "\(scratch)/\(index).sse", encoding: .utf8))
            #expect(got.map(\.id) == stored.map(\.id), "subscriber \(index): every change once, in commit order")
        }

        for _ in 0..<3000 {
            if Set(steady.received.compactMap(\.messageID)).count >= changes, Set(flaky.received.compactMap(\.messageID)).count >= changes { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        for (name, receiver) in [("steady", steady), ("flaky", flaky)] {
            let receipts = try Self.firstReceipts(receiver.received)
            #expect(Set(receipts.map(\.id)) == Set(stored.map(\.id)), "\(name): every change arrived")
            #expect(receipts.count == changes, "\(name): \(receipts.count) distinct messages")
            for model in models {
                let expected = stored.filter { $0.model == model }.map(\.id)
                #expect(receipts.filter { $0.model == model }.map(\.id) == expected, "\(name), \(model): commit order")
            }
        }
        #expect(flaky.received.count > changes, "the 500s were retried: \(flaky.received.count) requests")

        // Readiness and metrics report the listener and the (now drained) webhook queue.
        let metrics = try await Subprocess.run("/usr/bin/curl", ["-sS", "\(server.baseURL)/metrics"]).output
        #expect(metrics.contains(/\ncairn_events_listener_up 1(\.0)?\n/), "\(metrics)")
        #expect(metrics.contains("# TYPE cairn_webhooks_due gauge"), "\(metrics)")
        #expect(metrics.contains(/\ncairn_events_relayed_total [1-9]/), "\(metrics)")
        let ready = try await Subprocess.run("/usr/bin/curl", ["-sS", "\(server.baseURL)/readyz"]).output
        #expect(ready.contains("\"webhooks\":{"), "\(ready)")
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
