import CairnCore
import CairnJobs
import CairnOutbound
import CairnPostgres
import CairnTestSupport
import Crypto
import Foundation
import Logging
import Testing

/// MLflow-flavored webhooks on the real queue, trigger and sender: which Cairn changes become which MLflow messages
/// (sql/0019), their shape and signature, and that each flavor sees only its own messages.
@Suite struct MLflowWebhookDeliveryTests {
    @Test func registryChangesArriveAsMLflowMessagesSignedWithTheChosenSecret() async throws {
        let db = try await TestDatabase.shared()
        let store = PostgresWebhookStore(database: db.database)
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let tenant = try await db.makeModel("mlflow-hook", versions: 1)
        let actor = Actor(username: "test")
        let events = [
            "model_version.created", "model_version_tag.set", "model_version_tag.deleted", "model_version_alias.created",
            "model_version_alias.deleted", "prompt.created", "registered_model.created",
        ]
        let hook = try await store.createMLflowWebhook(
            try MLflowWebhookSpec(name: "bus", url: receiver.url, description: nil, events: events, active: true), secret: "s3cret", by: actor,
            in: tenant, logger: db.logger)
        #expect(hook.flavor == .mlflow && hook.mlflowEvents == events.sorted())
        // A native webhook beside it: Cairn's messages only, never MLflow's.
        _ = try await store.createWebhook(
            try WebhookSpec(url: receiver.url + "native", description: nil, eventTypes: nil, model: nil, active: true),
            secret: WebhookSecret.generate(), by: actor, in: tenant, logger: db.logger)

        _ = try await db.registry.createVersion(
            of: "m",
            try NewModelVersion(
                status: nil, description: "second", source: "s3://b/m/2", runID: nil, runLink: nil, lineage: nil, hyperparameters: nil, metrics: nil,
                environment: nil, tags: ["team": "risk"]),
            in: tenant, by: "alice", logger: db.logger)
        _ = try await db.registry.updateVersion(
            1, of: "m",
            try ModelVersionChanges(description: nil, status: nil, statusMessage: nil, tags: nil, metrics: nil, setTags: ["a": "1", "b": "2"]),
            in: tenant, by: "alice", logger: db.logger)
        _ = try await db.registry.updateVersion(
            1, of: "m", try ModelVersionChanges(description: nil, status: nil, statusMessage: nil, tags: nil, metrics: nil, deleteTags: ["a"]),
            in: tenant, by: "alice", logger: db.logger)
        _ = try await db.registry.updateVersion(
            1, of: "m", try ModelVersionChanges(description: "only the description", status: nil, statusMessage: nil, tags: nil, metrics: nil),
            in: tenant, by: "alice", logger: db.logger)
        let aliases = PostgresAliasStore(database: db.database)
        _ = try await aliases.setAlias(try AliasName("champion"), to: 2, of: "m", in: tenant, by: actor, logger: db.logger)
        try await aliases.deleteAlias(try AliasName("champion"), of: "m", in: tenant, by: actor, logger: db.logger)
        _ = try await db.registry.createModel(
            try NewRegisteredModel(
                name: try ModelName("greeting"), description: "a prompt", owner: nil,
                tags: ["mlflow.prompt.is_prompt": "True", "_mlflow_prompt_type": "text", "team": "support"]),
            in: tenant, by: "alice", logger: db.logger)

        let dispatcher = WebhookDispatcher(
            store: store, transport: try HTTPWebhookTransport(policy: try OutboundPolicy(parsing: "127.0.0.1"), caFile: nil),
            settings: .init(
                schedule: try RetrySchedule(maxAttempts: 3, base: .milliseconds(50), cap: .milliseconds(200)), timeout: .seconds(2), concurrency: 8,
                pollInterval: .milliseconds(20), tenants: [tenant.slug]),
            clock: ContinuousClock(), logger: db.logger)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, receiver.received.filter({ $0.path.hasSuffix("/hook") }).count < 7 {
            await dispatcher.runOnce()
            try await Task.sleep(for: .milliseconds(20))
        }
        await dispatcher.runOnce()

        let mlflow = receiver.received.filter { $0.path.hasSuffix("/hook") }
        let all = try mlflow.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.body)) }
        // Each model's messages arrive in commit order; different models' may interleave.
        let messages = all.filter { $0["data"]?["name"]?.string == "m" }
        let kinds = messages.map { "\($0["entity"]?.string ?? "").\($0["action"]?.string ?? "")" }
        #expect(
            kinds == [
                "model_version.created", "model_version_tag.set", "model_version_tag.set", "model_version_tag.deleted",
                "model_version_alias.created", "model_version_alias.deleted",
            ], "\(kinds)")
        try #require(messages.count == 6)
        #expect(
            messages[0]["data"]
                == .object([
                    "name": .string("m"), "version": .string("2"), "source": .string("s3://b/m/2"), "run_id": .null,
                    "tags": .object(["team": .string("risk")]), "description": .string("second"),
                ]))
        #expect(messages[1]["data"] == .object(["name": .string("m"), "version": .string("1"), "key": .string("a"), "value": .string("1")]))
        #expect(messages[3]["data"] == .object(["name": .string("m"), "version": .string("1"), "key": .string("a")]))
        #expect(messages[4]["data"] == .object(["name": .string("m"), "alias": .string("champion"), "version": .string("2")]))
        #expect(messages[5]["data"] == .object(["name": .string("m"), "alias": .string("champion")]))
        let prompts = all.filter { $0["data"]?["name"]?.string == "greeting" }
        #expect(prompts.map { $0["entity"]?.string } == ["prompt"], "a prompt's creation is prompt.created, not registered_model.created")
        // As MLflow: its prompt markers stay out of the message, and `True` counts as true.
        #expect(
            prompts.first?["data"]
                == .object(["name": .string("greeting"), "tags": .object(["team": .string("support")]), "description": .string("a prompt")]))
        #expect(all.count == 7)
        #expect(all.allSatisfy { $0["workspace"]?.string == tenant.slug.value })
        #expect(all.allSatisfy { $0["timestamp"]?.string?.hasSuffix("+00:00") == true })
        for request in mlflow {
            let id = try #require(request.headers["x-mlflow-delivery-id"])
            let stamp = try #require(request.headers["x-mlflow-timestamp"])
            var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array("s3cret".utf8)))
            hmac.update(data: Array("\(id).\(stamp).".utf8) + request.body)
            #expect(request.headers["x-mlflow-signature"] == "v1," + Data(hmac.finalize()).base64EncodedString())
            #expect(request.headers["webhook-signature"] == nil)
        }
        // The native webhook saw Cairn's event types, one message per change.
        let nativeTypes = try receiver.received.filter { $0.path.hasSuffix("/hooknative") }.map {
            try JSONDecoder().decode(JSONValue.self, from: Data($0.body))["type"]?.string ?? ""
        }
        #expect(nativeTypes.contains("model_version.created") && nativeTypes.contains("model_version_alias.set"), "\(nativeTypes)")
        #expect(!nativeTypes.contains { $0.hasPrefix("model_version_tag") || $0 == "prompt.created" })
    }
}

extension JSONValue {
    fileprivate subscript(key: String) -> JSONValue? { if case .object(let members) = self { members[key] } else { nil } }
    fileprivate var string: String? { if case .string(let text) = self { text } else { nil } }
}
