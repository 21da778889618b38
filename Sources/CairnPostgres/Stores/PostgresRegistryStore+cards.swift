public import CairnCore
import Foundation
public import Logging
import PostgresNIO

extension PostgresRegistryStore {
    public func modelCard(_ version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelCard {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await Self.model(named: modelName, on: connection, logger: logger)
            return try await Self.card(version, modelID: model.id, on: connection, logger: logger)
        }
    }

    public func setModelCard(
        _ card: ModelCard, version: Int, of modelName: String, role: Role, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor,
        logger: Logger
    ) async throws -> ModelCard {
        let text = try JSONText.encode(card.json)
        let reviewDue = card.values["review_by"]
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await Self.model(named: modelName, on: connection, logger: logger)
            let before = try await Self.card(version, modelID: model.id, on: connection, logger: logger, lock: true)
            let stage = try await Self.stage(version, modelID: model.id, on: connection, logger: logger)
            if stage == .production {
                guard role >= .approver else {
                    throw CairnError.denied("Version \(version) is in Production: only an approver changes its model card.")
                }
                try policy.checkCard(card, to: .production)
            }
            // The database's own check of the rule above reads the caller's role from the transaction.
            try await connection.query("SELECT set_config('app.actor_role', \(role.rawValue), true)", logger: logger)
            try await connection.query(
                """
                UPDATE cairn.model_versions SET model_card = \(text)::jsonb, review_due = \(reviewDue)::date, updated_by = \(actor.username)
                WHERE model_id = \(model.id) AND version = \(version)
                """, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_card.updated", objectType: "model_version", objectID: "\(model.name)/\(version)",
                    before: .object(before.json), after: .object(card.json)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return card
        }
    }

    static func stage(_ version: Int, modelID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Stage {
        let raw = try await connection.query(
            "SELECT stage FROM cairn.model_versions WHERE model_id = \(modelID) AND version = \(version)", logger: logger
        ).decode(String.self).first { _ in true }
        guard let raw else { throw CairnError.notFound("Version \(version) not found.") }
        return try Stage(validating: raw)
    }

    static func card(_ version: Int, modelID: UUID, on connection: PostgresConnection, logger: Logger, lock: Bool = false) async throws -> ModelCard {
        let text = try await connection.query(
            """
            SELECT model_card::text FROM cairn.model_versions WHERE model_id = \(modelID) AND version = \(version) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger
        ).decode(String.self).first { _ in true }
        guard let text else { throw CairnError.notFound("Version \(version) not found.") }
        return try ModelCard(validating: try JSONDecoder().decode(JSONObject.self, from: Data(text.utf8)))
    }
}
