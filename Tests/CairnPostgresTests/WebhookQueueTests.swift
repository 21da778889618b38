import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// The webhook delivery queue (sql/0010_webhooks.sql) against the real PostgreSQL: what is queued, in which
/// transaction, and how dispatchers lease it.
@Suite struct WebhookQueueTests {
    let db: TestDatabase
    let store: PostgresWebhookStore

    init() async throws {
        db = try await TestDatabase.shared()
        store = PostgresWebhookStore(database: db.database)
    }

    private func hook(_ tenant: Tenant, types: [String]? = nil, model: String? = nil, active: Bool = true) async throws -> Webhook {
        try await store.createWebhook(
            try WebhookSpec(url: "https://hooks.example.com/\(UUID())", description: nil, eventTypes: types, model: model, active: active),
            secret: .generate(), by: Actor(username: "test"), in: tenant, logger: db.logger)
    }

    private func queued(_ webhook: Webhook, in tenant: Tenant) async throws -> [WebhookDelivery] {
        try await store.deliveries(of: webhook.id, state: nil, before: nil, limit: 1000, in: tenant, logger: db.logger).deliveries.reversed()
    }

    private func change(_ action: String, model: String = "m", in tenant: Tenant) async throws {
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await OutboxTests.auditedChange(action, model: model, version: 1, tenantID: tenant.id, on: connection, logger: db.logger)
        }
    }

    @Test func eachCommittedEventIsQueuedForEveryMatchingActiveWebhookAndARollbackForNone() async throws {
        let tenant = try await db.makeTenant("queue")
        let all = try await hook(tenant)
        let stages = try await hook(tenant, types: ["model_version.stage_changed"])
        let family = try await hook(tenant, types: ["model_version_alias.*"])
        let otherModel = try await hook(tenant, model: "other")
        let paused = try await hook(tenant, active: false)

        try await change("model_version.stage_changed", in: tenant)
        try await change("model_version_alias.set", in: tenant)
        try await change("model_version.updated", model: "other", in: tenant)
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await OutboxTests.auditedChange(
                    "model_version.stage_changed", model: "m", version: 1, tenantID: tenant.id, on: connection, logger: db.logger)
                throw Abort()
            }
        }

        #expect(try await queued(all, in: tenant).map(\.type) == ["model_version.stage_changed", "model_version_alias.set", "model_version.updated"])
        #expect(try await queued(stages, in: tenant).map(\.type) == ["model_version.stage_changed"])
        #expect(try await queued(family, in: tenant).map(\.type) == ["model_version_alias.set"])
        #expect(try await queued(otherModel, in: tenant).map(\.type) == ["model_version.updated"])
        #expect(try await queued(paused, in: tenant).isEmpty)
        let first = try await queued(all, in: tenant)[0]
        #expect(first.messageID == "evt_\(first.eventID ?? 0)")
        #expect(first.state == .pending && first.attempts == 0)
        // Webhook configuration is audited but not published as an event.
        let events = try await PostgresEventStore(database: db.database).events(after: 0, tenantID: tenant.id, limit: 100, logger: db.logger)
        #expect(!events.contains { $0.type.hasPrefix("webhook") })
    }

    @Test func dispatchersLeaseDisjointDeliveriesOneAtATimePerModelInCommitOrder() async throws {
        let tenant = try await db.makeTenant("lease")
        let webhook = try await hook(tenant)
        for model in ["a", "b", "c"] {
            for _ in 0..<3 { try await change("model_version.updated", model: model, in: tenant) }
        }
        let only = [tenant.slug]
        // Two dispatchers at once: each model's first delivery is leased once, by one of them.
        async let first = store.claimDueDeliveries(limit: 10, lease: .seconds(60), tenants: only, logger: db.logger)
        async let second = store.claimDueDeliveries(limit: 10, lease: .seconds(60), tenants: only, logger: db.logger)
        let leased = try await first + second
        #expect(leased.count == 3, "one per model: \(leased.map { $0.event?.model ?? "-" })")
        #expect(Set(leased.compactMap { $0.event?.model }) == ["a", "b", "c"])
        #expect(Set(leased.map(\.deliveryID)).count == 3)
        #expect(try await store.claimDueDeliveries(limit: 10, lease: .seconds(60), tenants: only, logger: db.logger).isEmpty)

        // Settling one model's delivery lets its next one go, in commit order.
        let a = try #require(leased.first { $0.event?.model == "a" })
        try await store.settle(a, attempt: Self.attempt(a, status: 204), retryIn: nil, logger: db.logger)
        let next = try await store.claimDueDeliveries(limit: 10, lease: .seconds(60), tenants: only, logger: db.logger)
        #expect(next.count == 1)
        #expect(next.first?.event?.model == "a")
        #expect((next.first?.event?.id ?? 0) > (a.event?.id ?? .max))
        let log = try await queued(webhook, in: tenant)
        #expect(log.filter { $0.state == .delivered }.map(\.id) == [a.deliveryID])
        #expect(log.first { $0.id == a.deliveryID }?.attemptLog.map(\.status) == [204])
    }

    @Test func aLostLeaseFallsDueAgainAndTheLateResultDoesNotOverrideTheNewAttempt() async throws {
        let tenant = try await db.makeTenant("lost-lease")
        let webhook = try await hook(tenant)
        try await change("model_version.updated", in: tenant)
        let only = [tenant.slug]
        let crashed = try #require(try await store.claimDueDeliveries(limit: 1, lease: .seconds(60), tenants: only, logger: db.logger).first)
        #expect(crashed.attempt == 1)
        #expect(try await store.claimDueDeliveries(limit: 1, lease: .seconds(60), tenants: only, logger: db.logger).isEmpty, "leased")
        // The lease runs out (the dispatcher died): time passes in the database.
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query("UPDATE cairn.webhook_deliveries SET next_attempt_at = now() - interval '1 second'", logger: db.logger)
        }
        let retried = try #require(try await store.claimDueDeliveries(limit: 1, lease: .seconds(60), tenants: only, logger: db.logger).first)
        #expect(retried.deliveryID == crashed.deliveryID)
        #expect(retried.attempt == 2)
        #expect(retried.messageID == crashed.messageID)

        try await store.settle(retried, attempt: Self.attempt(retried, status: 200), retryIn: nil, logger: db.logger)
        // The first dispatcher comes back late with a failure: logged, but the delivery stays delivered.
        try await store.settle(crashed, attempt: Self.attempt(crashed, status: 500), retryIn: .seconds(1), logger: db.logger)
        let delivery = try #require(try await queued(webhook, in: tenant).first)
        #expect(delivery.state == .delivered)
        #expect(delivery.attemptLog.map(\.status) == [500, 200])
    }

    @Test func deadLettersCanBeRedeliveredWithTheSameMessageIDAndPingsAreQueued() async throws {
        let tenant = try await db.makeTenant("dead")
        let webhook = try await hook(tenant)
        try await change("model_version.updated", in: tenant)
        let only = [tenant.slug]
        let claimed = try #require(try await store.claimDueDeliveries(limit: 1, lease: .seconds(60), tenants: only, logger: db.logger).first)
        try await store.settle(claimed, attempt: Self.attempt(claimed, status: 410), retryIn: nil, logger: db.logger)
        let dead = try #require(try await queued(webhook, in: tenant).first)
        #expect(dead.state == .dead)
        #expect(dead.lastStatus == 410)

        let actor = Actor(username: "erin")
        let again = try await store.redeliver(dead.id, of: webhook.id, by: actor, in: tenant, logger: db.logger)
        #expect(again.state == .pending && again.messageID == dead.messageID)
        await #expect(throws: CairnError.self) { try await store.redeliver(dead.id, of: webhook.id, by: actor, in: tenant, logger: db.logger) }
        let retried = try #require(try await store.claimDueDeliveries(limit: 1, lease: .seconds(60), tenants: only, logger: db.logger).first)
        #expect(retried.attempt == 2 && retried.attemptInRound == 1, "a redelivery starts a new round of attempts")

        let ping = try await store.ping(webhook.id, by: actor, in: tenant, logger: db.logger)
        #expect(ping.type == "webhook.ping" && ping.eventID == nil)
        let leasedPing = try #require(
            try await store.claimDueDeliveries(limit: 5, lease: .seconds(60), tenants: only, logger: db.logger).first { $0.type == "webhook.ping" })
        #expect(
            leasedPing.payload
                == .object([
                    "webhook_id": .string(webhook.id.uuidString.lowercased()), "tenant": .string(tenant.slug.value), "requested_by": .string("erin"),
                ]))
        let body = String(decoding: try leasedPing.body(), as: UTF8.self)
        #expect(body.hasPrefix(#"{"data":{"#) && body.contains(#""type":"webhook.ping""#), "\(body)")

        // Another tenant cannot see, redeliver or ping this webhook.
        let other = try await db.makeTenant("dead-other")
        await #expect(throws: CairnError.self) { try await store.ping(webhook.id, by: actor, in: other, logger: db.logger) }
        await #expect(throws: CairnError.self) { try await store.redeliver(dead.id, of: webhook.id, by: actor, in: other, logger: db.logger) }
        // Deleting the webhook removes its queue and log.
        try await store.deleteWebhook(id: webhook.id, by: actor, in: tenant, logger: db.logger)
        await #expect(throws: CairnError.self) { try await store.webhook(id: webhook.id, in: tenant, logger: db.logger) }
    }

    static func attempt(_ claimed: ClaimedDelivery, status: Int) -> DeliveryAttempt {
        DeliveryAttempt(number: claimed.attempt, at: Date(), durationMilliseconds: 3, status: status, error: nil, response: nil)
    }
}
