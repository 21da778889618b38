public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// Webhooks and their delivery queue (sql/0010_webhooks.sql), under row-level security.
public struct PostgresWebhookStore: WebhookStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns =
        "id, url, description, event_types, model, active, created_at, created_by, updated_at, updated_by, flavor, name, mlflow_events"

    public func createWebhook(_ spec: WebhookSpec, secret: WebhookSecret, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> Webhook
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.webhooks (tenant_id, url, description, event_types, model, active, secret, created_by, updated_by)
                VALUES (\(tenant.id), \(spec.url.text), \(spec.description), \(spec.filter.types), \(spec.filter.model), \(spec.active),
                        \(secret.text), \(actor.username), \(actor.username))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let created = try await Self.webhooks(from: rows).first else { throw CairnError(.internalError, "Webhook was not created.") }
            try await AuditTrail.record(
                AuditEvent(action: "webhook.created", objectType: "webhook", objectID: created.id.uuidString.lowercased(), after: created.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return created
        }
    }

    public func createMLflowWebhook(_ spec: MLflowWebhookSpec, secret: String?, by actor: Actor, in tenant: Tenant, logger: Logger) async throws
        -> Webhook
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.webhooks (tenant_id, url, description, active, secret, flavor, name, mlflow_events, created_by, updated_by)
                VALUES (\(tenant.id), \(spec.url.text), \(spec.description), \(spec.active), \(secret), 'mlflow', \(spec.name), \(spec.events),
                        \(actor.username), \(actor.username))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let created = try await Self.webhooks(from: rows).first else { throw CairnError(.internalError, "Webhook was not created.") }
            try await AuditTrail.record(
                AuditEvent(action: "webhook.created", objectType: "webhook", objectID: created.id.uuidString.lowercased(), after: created.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return created
        }
    }

    public func updateMLflowWebhook(id: UUID, _ changes: MLflowWebhookChanges, by actor: Actor, in tenant: Tenant, logger: Logger) async throws
        -> Webhook
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let before = try await Self.webhook(id: id, on: connection, lock: true, logger: logger)
            guard before.flavor == .mlflow else { throw CairnError.notFound("Webhook not found.") }
            let spec = try changes.applied(to: before)
            let newSecret = try changes.newSecret()
            let replaceSecret = newSecret != nil
            let rows = try await connection.query(
                """
                UPDATE cairn.webhooks SET name = \(spec.name), url = \(spec.url.text), description = \(spec.description),
                    mlflow_events = \(spec.events), active = \(spec.active),
                    secret = CASE WHEN \(replaceSecret) THEN \(newSecret ?? nil) ELSE secret END,
                    updated_at = now(), updated_by = \(actor.username)
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.recordUpdate(
                from: before, to: rows, secretNote: replaceSecret ? "secret_replaced" : nil, by: actor, in: tenant, on: connection, logger: logger)
        }
    }

    /// The webhook's MLflow secret (nil: unsigned), for a test send.
    public func mlflowSecret(of id: UUID, in tenant: Tenant, logger: Logger) async throws -> String? {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT secret FROM cairn.webhooks WHERE id = \(id) AND flavor = 'mlflow'", logger: logger)
            for try await secret in rows.decode(String?.self) { return secret }
            throw CairnError.notFound("Webhook not found.")
        }
    }

    public func webhooks(in tenant: Tenant, logger: Logger) async throws -> [Webhook] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.webhooks(
                from: connection.query("SELECT \(unescaped: Self.columns) FROM cairn.webhooks ORDER BY created_at, id", logger: logger))
        }
    }

    public func webhook(id: UUID, in tenant: Tenant, logger: Logger) async throws -> Webhook {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.webhook(id: id, on: connection, lock: false, logger: logger)
        }
    }

    public func updateWebhook(
        id: UUID, to spec: WebhookSpec, newSecret: WebhookSecret?, by actor: Actor, in tenant: Tenant, logger: Logger
    ) async throws -> Webhook {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let before = try await Self.webhook(id: id, on: connection, lock: true, logger: logger)
            let rows = try await connection.query(
                """
                UPDATE cairn.webhooks SET url = \(spec.url.text), description = \(spec.description), event_types = \(spec.filter.types),
                    model = \(spec.filter.model), active = \(spec.active), secret = COALESCE(\(newSecret?.text), secret),
                    updated_at = now(), updated_by = \(actor.username)
                WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            return try await Self.recordUpdate(
                from: before, to: rows, secretNote: newSecret != nil ? "secret_rotated" : nil, by: actor, in: tenant, on: connection, logger: logger)
        }
    }

    public func deleteWebhook(id: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let before = try await Self.webhook(id: id, on: connection, lock: true, logger: logger)
            try await connection.query("DELETE FROM cairn.webhooks WHERE id = \(id)", logger: logger)
            try await AuditTrail.record(
                AuditEvent(action: "webhook.deleted", objectType: "webhook", objectID: id.uuidString.lowercased(), before: before.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
        }
    }

    /// The updated row, audited against what it was; `secretNote` marks a changed secret (never the secret itself).
    private static func recordUpdate(
        from before: Webhook, to rows: PostgresRowSequence, secretNote: String?, by actor: Actor, in tenant: Tenant,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Webhook {
        guard let after = try await webhooks(from: rows).first else { throw CairnError.notFound("Webhook not found.") }
        var afterJSON = after.auditJSON
        if let secretNote, case .object(var members) = afterJSON {
            members[secretNote] = .bool(true)
            afterJSON = .object(members)
        }
        try await AuditTrail.record(
            AuditEvent(
                action: "webhook.updated", objectType: "webhook", objectID: after.id.uuidString.lowercased(), before: before.auditJSON,
                after: afterJSON),
            by: actor, tenantID: tenant.id, on: connection, logger: logger)
        return after
    }

    static func webhook(id: UUID, on connection: PostgresConnection, lock: Bool, logger: Logger) async throws -> Webhook {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM cairn.webhooks WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")", logger: logger)
        guard let webhook = try await webhooks(from: rows).first else { throw CairnError.notFound("Webhook not found.") }
        return webhook
    }

    private static func webhooks(from rows: PostgresRowSequence) async throws -> [Webhook] {
        var webhooks: [Webhook] = []
        for try await row in rows {
            let row = row.makeRandomAccess()
            webhooks.append(
                Webhook(
                    id: try row.value("id"), url: try row.value("url"), description: try row.value("description"),
                    eventTypes: try row.value("event_types"), model: try row.value("model"), active: try row.value("active"),
                    createdAt: try row.value("created_at"), createdBy: try row.value("created_by"), updatedAt: try row.value("updated_at"),
                    updatedBy: try row.value("updated_by"), flavor: WebhookFlavor(rawValue: try row.value("flavor")) ?? .cairn,
                    name: try row.value("name"), mlflowEvents: try row.value("mlflow_events")))
        }
        return webhooks
    }
}
