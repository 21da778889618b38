public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

extension PostgresWebhookStore {
    private static let deliveryColumns =
        "id, seq, webhook_id, event_id, type, message_id, state, attempts, next_attempt_at, created_at, delivered_at, last_status, last_error"

    public func deliveries(
        of webhookID: UUID, state: WebhookDelivery.State?, before: Int64?, limit: Int, in tenant: Tenant, logger: Logger
    ) async throws -> (deliveries: [WebhookDelivery], next: Int64?) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            _ = try await Self.webhook(id: webhookID, on: connection, lock: false, logger: logger)
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.deliveryColumns) FROM cairn.webhook_deliveries
                WHERE webhook_id = \(webhookID) AND (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
                  AND (\(before)::bigint IS NULL OR seq < \(before))
                ORDER BY seq DESC LIMIT \(limit + 1)
                """, logger: logger)
            var page = try await Self.deliveries(from: rows, on: connection, logger: logger)
            var next: Int64?
            if page.count > limit {
                page.removeLast()
                next = page.last?.seq
            }
            return (page.map(\.delivery), next)
        }
    }

    public func redeliver(_ deliveryID: UUID, of webhookID: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> WebhookDelivery
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await Self.delivery(deliveryID, of: webhookID, on: connection, logger: logger)
            guard current.state != .pending else {
                throw CairnError(.invalidState, "The delivery is already queued; nothing to redeliver until it is delivered or dead-lettered.")
            }
            try await connection.query(
                """
                UPDATE cairn.webhook_deliveries
                SET state = 'pending', round_start = attempts, next_attempt_at = now(), delivered_at = NULL
                WHERE id = \(deliveryID)
                """, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "webhook_delivery.redelivered", objectType: "webhook_delivery", objectID: deliveryID.uuidString.lowercased(),
                    before: .object(["state": .string(current.state.rawValue), "attempts": .number(Double(current.attempts))]),
                    after: .object(["state": .string("pending"), "webhook_id": .string(webhookID.uuidString.lowercased())])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return try await Self.delivery(deliveryID, of: webhookID, on: connection, logger: logger)
        }
    }

    public func ping(_ webhookID: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> WebhookDelivery {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let webhook = try await Self.webhook(id: webhookID, on: connection, lock: false, logger: logger)
            let payload = try JSONText.encode(
                JSONValue.object([
                    "webhook_id": .string(webhook.id.uuidString.lowercased()), "tenant": .string(tenant.slug.value),
                    "requested_by": .string(actor.username),
                ]))
            let id = UUID()
            try await connection.query(
                """
                INSERT INTO cairn.webhook_deliveries (tenant_id, id, webhook_id, type, message_id, payload)
                VALUES (\(tenant.id), \(id), \(webhookID), 'webhook.ping', \("msg_" + id.uuidString.lowercased().replacingOccurrences(of: "-", with: "")),
                        \(payload)::jsonb)
                """, logger: logger)
            return try await Self.delivery(id, of: webhookID, on: connection, logger: logger)
        }
    }

    public func claimDueDeliveries(limit: Int, lease: Duration, tenants only: [TenantSlug]?, logger: Logger) async throws -> [ClaimedDelivery] {
        let slugs = only?.map(\.value)
        let tenants = try await database.withoutTenant(logger: logger) { connection in
            var ids: [UUID] = []
            for try await id in try await connection.query("SELECT * FROM cairn.tenants_with_due_webhooks(\(slugs))", logger: logger).decode(
                UUID.self)
            {
                ids.append(id)
            }
            return ids
        }
        var claimed: [ClaimedDelivery] = []
        for tenant in tenants where claimed.count < limit {
            claimed += try await claim(in: tenant, limit: limit - claimed.count, lease: lease, logger: logger)
        }
        return claimed
    }

    private func claim(in tenantID: UUID, limit: Int, lease: Duration, logger: Logger) async throws -> [ClaimedDelivery] {
        let leaseSeconds = lease.seconds
        return try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH due AS (
                    SELECT d.id FROM cairn.webhook_deliveries d
                    JOIN cairn.webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id AND w.active
                    WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                      AND (d.order_key IS NULL OR NOT EXISTS (
                          SELECT 1 FROM cairn.webhook_deliveries e
                          WHERE e.tenant_id = d.tenant_id AND e.webhook_id = d.webhook_id AND e.order_key = d.order_key
                            AND e.state = 'pending' AND e.seq < d.seq))
                    ORDER BY d.seq
                    LIMIT \(limit)
                    FOR UPDATE OF d SKIP LOCKED
                ), leased AS (
                    UPDATE cairn.webhook_deliveries d
                    SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => \(leaseSeconds))
                    FROM due WHERE d.tenant_id = \(tenantID) AND d.id = due.id
                    RETURNING d.id, d.seq, d.webhook_id, d.event_id, d.type, d.message_id, d.payload, d.created_at, d.attempts, d.round_start
                )
                SELECT l.id, l.webhook_id, l.type, l.message_id, l.payload::text AS ping, l.created_at, l.attempts, l.round_start,
                       w.url, w.secret, w.flavor, (SELECT slug FROM cairn.tenants WHERE id = \(tenantID)) AS workspace, e.id AS event_id, e.object_type, e.object_id, e.model, e.version, e.payload::text AS event_payload,
                       e.actor, e.request_id, e.at
                FROM leased l
                JOIN cairn.webhooks w ON w.tenant_id = \(tenantID) AND w.id = l.webhook_id
                LEFT JOIN cairn.events e ON e.tenant_id = \(tenantID) AND e.id = l.event_id
                ORDER BY l.seq
                """, logger: logger)
            var claimed: [ClaimedDelivery] = []
            for try await row in rows {
                let row = row.makeRandomAccess()
                let type: String = try row.value("type")
                var event: RegistryEvent?
                if let eventID = try row.value("event_id", as: Int64?.self) {
                    event = RegistryEvent(
                        id: eventID, tenantID: tenantID, type: type, objectType: try row.value("object_type"), objectID: try row.value("object_id"),
                        model: try row.value("model"), version: try row.value("version"), payload: try row.json("event_payload"),
                        actor: try row.value("actor"), requestID: try row.value("request_id"), at: try row.value("at"))
                }
                let attempts: Int = try row.value("attempts")
                claimed.append(
                    ClaimedDelivery(
                        tenantID: tenantID, deliveryID: try row.value("id"), webhookID: try row.value("webhook_id"), url: try row.value("url"),
                        secret: try row.value("secret"), messageID: try row.value("message_id"), type: type, event: event,
                        payload: try row.value("ping", as: String?.self).map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) },
                        createdAt: try row.value("created_at"), attempt: attempts,
                        attemptInRound: attempts - (try row.value("round_start", as: Int.self)),
                        flavor: WebhookFlavor(rawValue: try row.value("flavor")) ?? .cairn, workspace: try row.value("workspace")))
            }
            return claimed
        }
    }

    public func settle(_ claimed: ClaimedDelivery, attempt: DeliveryAttempt, retryIn: Duration?, logger: Logger) async throws {
        let retrySeconds = retryIn?.seconds
        let state = attempt.succeeded ? "delivered" : retryIn == nil ? "dead" : "pending"
        try await database.withTenant(claimed.tenantID, logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO cairn.webhook_attempts (tenant_id, delivery_id, number, at, duration_ms, status, error, response)
                SELECT \(claimed.tenantID), \(claimed.deliveryID), \(attempt.number), \(attempt.at), \(attempt.durationMilliseconds),
                       \(attempt.status), \(attempt.error), \(attempt.response)
                WHERE EXISTS (SELECT 1 FROM cairn.webhook_deliveries WHERE id = \(claimed.deliveryID))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.query(
                """
                UPDATE cairn.webhook_deliveries
                SET state = \(state), delivered_at = CASE WHEN \(state) = 'delivered' THEN now() END,
                    next_attempt_at = CASE WHEN \(retrySeconds)::float8 IS NULL THEN next_attempt_at
                                           ELSE now() + make_interval(secs => \(retrySeconds)) END,
                    last_status = \(attempt.status), last_error = \(attempt.error)
                WHERE id = \(claimed.deliveryID) AND attempts = \(claimed.attempt) AND state = 'pending'
                """, logger: logger)
        }
    }

    public func queueTotals(logger: Logger) async throws -> WebhookQueueTotals {
        try await database.withoutTenant(logger: logger) { connection in
            let rows = try await connection.query("SELECT * FROM cairn.webhook_queue_totals()", logger: logger)
            for try await (pending, due, dead, oldest) in rows.decode((Int64, Int64, Int64, Double).self) {
                return WebhookQueueTotals(pending: Int(pending), due: Int(due), dead: Int(dead), oldestDueSeconds: oldest)
            }
            return WebhookQueueTotals(pending: 0, due: 0, dead: 0, oldestDueSeconds: 0)
        }
    }

    private static func delivery(_ id: UUID, of webhookID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> WebhookDelivery {
        let rows = try await connection.query(
            "SELECT \(unescaped: deliveryColumns) FROM cairn.webhook_deliveries WHERE id = \(id) AND webhook_id = \(webhookID)", logger: logger)
        guard let found = try await deliveries(from: rows, on: connection, logger: logger).first else {
            throw CairnError.notFound("Delivery not found.")
        }
        return found.delivery
    }

    /// Deliveries with their attempt logs (one more query for all of them).
    private static func deliveries(
        from rows: PostgresRowSequence, on connection: PostgresConnection, logger: Logger
    ) async throws -> [(delivery: WebhookDelivery, seq: Int64)] {
        var found: [(row: PostgresRandomAccessRow, id: UUID)] = []
        for try await row in rows {
            let row = row.makeRandomAccess()
            found.append((row, try row.value("id")))
        }
        guard !found.isEmpty else { return [] }
        var attempts: [UUID: [DeliveryAttempt]] = [:]
        let attemptRows = try await connection.query(
            """
            SELECT delivery_id, number, at, duration_ms, status, error, response FROM cairn.webhook_attempts
            WHERE delivery_id = ANY(\(found.map(\.id))) ORDER BY delivery_id, number
            """, logger: logger)
        for try await (deliveryID, number, at, duration, status, error, response) in attemptRows.decode(
            (UUID, Int, Date, Int, Int?, String?, String?).self)
        {
            attempts[deliveryID, default: []].append(
                DeliveryAttempt(number: number, at: at, durationMilliseconds: duration, status: status, error: error, response: response))
        }
        return try found.map { row, id in
            let state: String = try row.value("state")
            return (
                WebhookDelivery(
                    id: id, webhookID: try row.value("webhook_id"), eventID: try row.value("event_id"), type: try row.value("type"),
                    messageID: try row.value("message_id"), state: WebhookDelivery.State(rawValue: state) ?? .pending,
                    attempts: try row.value("attempts"), nextAttemptAt: state == "pending" ? try row.value("next_attempt_at") : nil,
                    createdAt: try row.value("created_at"), deliveredAt: try row.value("delivered_at"), lastStatus: try row.value("last_status"),
                    lastError: try row.value("last_error"), attemptLog: attempts[id] ?? []),
                try row.value("seq")
            )
        }
    }
}
