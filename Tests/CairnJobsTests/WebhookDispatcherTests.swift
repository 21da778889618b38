import CairnCore
import CairnJobs
import CairnOutbound
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// The dispatcher with the real sender against real receivers on loopback and the real queue in PostgreSQL.
@Suite struct WebhookDispatcherTests {
    let db: TestDatabase
    let store: PostgresWebhookStore

    init() async throws {
        db = try await TestDatabase.shared()
        store = PostgresWebhookStore(database: db.database)
    }

    private func dispatcher(
        for tenant: Tenant, allow: String, timeout: Duration = .seconds(1), maxAttempts: Int = 5, caFile: String? = nil
    ) throws -> WebhookDispatcher<ContinuousClock> {
        WebhookDispatcher(
            store: store, transport: try HTTPWebhookTransport(policy: try OutboundPolicy(parsing: allow), caFile: caFile),
            settings: .init(
                schedule: try RetrySchedule(maxAttempts: maxAttempts, base: .milliseconds(50), cap: .milliseconds(200)), timeout: timeout,
                concurrency: 8, pollInterval: .milliseconds(20), tenants: [tenant.slug]),
            clock: ContinuousClock(), logger: db.logger)
    }

    /// A tenant with one webhook to `url` (stored directly: the admin API's own check is tested elsewhere) and one
    /// published change queued for it.
    private func queuedChange(to url: String, prefix: String) async throws -> (Tenant, Webhook, WebhookSecret) {
        let tenant = try await db.makeModel(prefix, versions: 1)
        let secret = WebhookSecret.generate()
        let webhook = try await store.createWebhook(
            try WebhookSpec(url: url, description: nil, eventTypes: ["model_version.updated"], model: nil, active: true), secret: secret,
            by: Actor(username: "test"), in: tenant, logger: db.logger)
        _ = try await db.registry.updateVersion(
            1, of: "m", try ModelVersionChanges(description: "retrained", status: nil, statusMessage: nil, tags: nil, metrics: nil), in: tenant,
            by: "test", logger: db.logger)
        return (tenant, webhook, secret)
    }

    private func delivery(of webhook: Webhook, in tenant: Tenant) async throws -> WebhookDelivery {
        try #require(try await store.deliveries(of: webhook.id, state: nil, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries.first)
    }

    /// Runs passes until the delivery leaves `pending` or `seconds` pass.
    private func drive(
        _ dispatcher: WebhookDispatcher<ContinuousClock>, until webhook: Webhook, in tenant: Tenant, seconds: Int = 15
    ) async throws -> WebhookDelivery {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            await dispatcher.runOnce()
            let current = try await delivery(of: webhook, in: tenant)
            if current.state != .pending { return current }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await delivery(of: webhook, in: tenant)
    }

    @Test func aReceiverThatFailsThenTimesOutThenAnswersGetsTheMessageOnceDeliveredWithEveryAttemptLogged() async throws {
        let receiver = try await WebhookReceiver.start(script: [.status(500), .slow(.seconds(3), then: 200), .status(200)])
        defer { receiver.stop() }
        let (tenant, webhook, secret) = try await queuedChange(to: receiver.url, prefix: "hook-retry")
        let delivered = try await drive(try dispatcher(for: tenant, allow: "127.0.0.1"), until: webhook, in: tenant)

        #expect(delivered.state == .delivered)
        #expect(delivered.attemptLog.map(\.status) == [500, nil, 200])
        #expect(delivered.attemptLog[1].error?.contains("no complete answer within") == true, "\(delivered.attemptLog[1])")
        #expect(delivered.attemptLog[1].durationMilliseconds >= 900)
        let received = receiver.received
        #expect(received.count == 3)
        #expect(Set(received.compactMap(\.messageID)) == [delivered.messageID], "one webhook-id on every attempt")
        #expect(Set(received.map(\.body)).count == 1, "the same body on every attempt")
        for request in received {
            let timestamp = try #require(request.headers["webhook-timestamp"].flatMap(Int.init))
            #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 60)
            #expect(
                request.headers["webhook-signature"] == secret.signature(messageID: delivered.messageID, timestamp: timestamp, body: request.body))
            #expect(request.headers["content-type"] == "application/json")
        }
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(received.first).body))
        guard case .object(let message) = body, case .object(let data)? = message["data"] else {
            Issue.record("not a Standard Webhooks message: \(body)")
            return
        }
        #expect(message["type"] == .string("model_version.updated"))
        #expect(data["id"] == .number(Double(try #require(delivered.eventID))))
        #expect(data["model"] == .string("m"))
        // Nothing more is sent once it is delivered.
        _ = try await drive(try dispatcher(for: tenant, allow: "127.0.0.1"), until: webhook, in: tenant, seconds: 1)
        #expect(receiver.received.count == 3)
    }

    @Test func aReceiverAnsweringWithNULBytesCannotWedgeItsQueue() async throws {
        let receiver = try await WebhookReceiver.start(script: [.body(500, Array("oops\u{0}bad\u{1}".utf8)), .body(200, [0, 0, 0])])
        defer { receiver.stop() }
        let (tenant, webhook, _) = try await queuedChange(to: receiver.url, prefix: "hook-nul")
        let delivered = try await drive(try dispatcher(for: tenant, allow: "127.0.0.1"), until: webhook, in: tenant)
        #expect(delivered.state == .delivered, "\(delivered)")
        #expect(delivered.attemptLog.map(\.status) == [500, 200])
        #expect(delivered.attemptLog.first?.response == "oops\u{FFFD}bad\u{FFFD}")
        #expect(receiver.received.count == 2)
    }

    @Test func theOutboxAndTheDeliveryLogKeepTheirRetentionWindow() async throws {
        let (tenant, webhook, _) = try await queuedChange(to: "https://hooks.example.com/in", prefix: "prune")
        _ = try await db.registry.updateVersion(
            1, of: "m", try ModelVersionChanges(description: "again", status: nil, statusMessage: nil, tags: nil, metrics: nil), in: tenant,
            by: "test", logger: db.logger)
        let events = PostgresEventStore(database: db.database)
        let deliveries = try await store.deliveries(of: webhook.id, state: nil, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries
        #expect(deliveries.count == 2)
        let settled = try #require(deliveries.first)
        let pending = try #require(deliveries.last)
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query(
                "UPDATE cairn.webhook_deliveries SET state = 'delivered', delivered_at = now() WHERE id = \(settled.id)", logger: db.logger)
        }
        let before = try await events.events(after: 0, tenantID: tenant.id, limit: 1000, logger: db.logger).count
        func maintenance(daysLater days: Double) -> OutboxMaintenance<ContinuousClock> {
            OutboxMaintenance(
                store: events,
                settings: .init(
                    eventRetention: .seconds(30 * 86_400), deliveryRetention: .seconds(30 * 86_400), interval: .seconds(3600), batch: 2,
                    tenants: [tenant.id]),
                clock: ContinuousClock(), now: { Date().addingTimeInterval(days * 86_400) }, logger: db.logger)
        }
        let early = await maintenance(daysLater: 0).runOnce()
        #expect(early.events == 0 && early.deliveries == 0, "nothing is old yet")
        let late = await maintenance(daysLater: 31).runOnce()
        #expect(late.deliveries == 1)
        #expect(late.events == before - 1, "every event but the one a pending delivery still needs (batches of 2 until done)")
        let kept = try await events.events(after: 0, tenantID: tenant.id, limit: 1000, logger: db.logger)
        #expect(kept.map(\.id) == [pending.eventID].compactMap { $0 })
        let left = try await store.deliveries(of: webhook.id, state: nil, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries
        #expect(left.map(\.id) == [pending.id])
    }

    @Test func loopbackTargetsAndRedirectsToThemAreRefusedAtSendTime() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        // Saved while an allow-list permitted it; the operator has since removed the entry.
        let (tenant, webhook, _) = try await queuedChange(to: receiver.url, prefix: "hook-ssrf")
        await try dispatcher(for: tenant, allow: "").runOnce()
        let refused = try await delivery(of: webhook, in: tenant)
        #expect(refused.state == .pending, "refusals are retried: the policy may change back")
        #expect(refused.attemptLog.first?.error?.contains("loopback address") == true, "\(refused.attemptLog)")
        #expect(refused.attemptLog.first?.status == nil)

        // A permitted receiver that redirects to a forbidden one: the redirect is not followed.
        let redirector = try await WebhookReceiver.start(fallback: .status(302, headers: ["Location": receiver.url]))
        defer { redirector.stop() }
        let (other, redirected, _) = try await queuedChange(to: redirector.url, prefix: "hook-redirect")
        await try dispatcher(for: other, allow: "127.0.0.1:\(redirector.port)").runOnce()
        let bounced = try await delivery(of: redirected, in: other)
        #expect(bounced.attemptLog.first?.status == 302)
        #expect(bounced.attemptLog.first?.error == "redirect to \(receiver.url) not followed")
        #expect(redirector.received.count == 1)
        #expect(receiver.received.isEmpty, "nothing reached the loopback receiver")
    }

    @Test func retryAfterIsHonouredAndSpentAttemptsDeadLetterUntilRedelivered() async throws {
        let receiver = try await WebhookReceiver.start(fallback: .status(503, headers: ["Retry-After": "60"]))
        defer { receiver.stop() }
        let (tenant, webhook, _) = try await queuedChange(to: receiver.url, prefix: "hook-dead")
        let dispatcher = try dispatcher(for: tenant, allow: "127.0.0.1", maxAttempts: 2)
        await dispatcher.runOnce()
        let waiting = try await delivery(of: webhook, in: tenant)
        let attempted = try #require(waiting.attemptLog.first?.at)
        let next = try #require(waiting.nextAttemptAt)
        #expect(next.timeIntervalSince(attempted) >= 59, "Retry-After: 60 outweighs a 50 ms backoff")
        await dispatcher.runOnce()
        #expect(receiver.received.count == 1, "not retried before Retry-After")

        receiver.answer([], fallback: .status(500))
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query("UPDATE cairn.webhook_deliveries SET next_attempt_at = now()", logger: db.logger)
        }
        let dead = try await drive(dispatcher, until: webhook, in: tenant)
        #expect(dead.state == .dead)
        #expect(dead.attemptLog.map(\.status) == [503, 500])

        receiver.answer([], fallback: .status(204))
        _ = try await store.redeliver(dead.id, of: webhook.id, by: Actor(username: "erin"), in: tenant, logger: db.logger)
        let delivered = try await drive(dispatcher, until: webhook, in: tenant)
        #expect(delivered.state == .delivered)
        #expect(delivered.attemptLog.map(\.status) == [503, 500, 204])
        #expect(Set(receiver.received.compactMap(\.messageID)) == [dead.messageID])
    }

    @Test func httpsReceiversAreVerifiedAgainstTrustedRoots() async throws {
        let tls = try TestEnvironment.require("CAIRN_TEST_TLS_DIR")
        let receiver = try await WebhookReceiver.start(tls: ("\(tls)/server.pem", "\(tls)/server.key"))
        defer { receiver.stop() }
        #expect(receiver.url.hasPrefix("https://"))

        // Without the private CA the certificate is not trusted: nothing is delivered.
        let (untrusted, refused, _) = try await queuedChange(to: receiver.url, prefix: "hook-tls-untrusted")
        await try dispatcher(for: untrusted, allow: "127.0.0.1").runOnce()
        let failed = try await delivery(of: refused, in: untrusted)
        #expect(failed.state == .pending)
        #expect(failed.attemptLog.first?.status == nil)
        #expect(failed.attemptLog.first?.error != nil, "\(failed.attemptLog)")
        #expect(receiver.received.isEmpty)

        // With it (webhooks.ca_file), the message arrives over TLS, signed.
        let (trusted, webhook, secret) = try await queuedChange(to: receiver.url, prefix: "hook-tls")
        let delivered = try await drive(try dispatcher(for: trusted, allow: "127.0.0.1", caFile: "\(tls)/ca.pem"), until: webhook, in: trusted)
        #expect(delivered.state == .delivered, "\(delivered.attemptLog)")
        let request = try #require(receiver.received.first)
        let timestamp = try #require(request.headers["webhook-timestamp"].flatMap(Int.init))
        #expect(request.headers["webhook-signature"] == secret.signature(messageID: delivered.messageID, timestamp: timestamp, body: request.body))
    }
}
