public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// Registered models and versions in PostgreSQL. Every statement runs inside `withTenant`, so row-level security
/// scopes it; the queries name no tenant.
public struct PostgresRegistryStore: RegistryStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let modelColumns = """
        m.id, m.name, m.description, m.owner, m.created_at, m.created_by, m.updated_at, m.updated_by,
        (SELECT max(v.version) FROM cairn.model_versions v WHERE v.tenant_id = m.tenant_id AND v.model_id = m.id) AS latest_version,
        COALESCE((SELECT jsonb_object_agg(t.key, t.value) FROM cairn.registered_model_tags t
                  WHERE t.tenant_id = m.tenant_id AND t.model_id = m.id), '{}')::text AS tags,
        COALESCE((SELECT jsonb_object_agg(a.alias, a.version) FROM cairn.model_aliases a
                  WHERE a.tenant_id = m.tenant_id AND a.model_id = m.id), '{}')::text AS aliases
        """

    public func createModel(_ model: NewRegisteredModel, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> RegisteredModel {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.registered_models (tenant_id, name, name_key, description, owner, created_by, updated_by)
                VALUES (\(tenant.id), \(model.name.value), \(model.name.lookalikeKey), \(model.description), \(model.owner), \(actor.username), \(actor.username))
                RETURNING id
                """, logger: logger)
            guard let id = try await rows.decode(UUID.self).first(where: { _ in true }) else {
                throw CairnError(.internalError, "Model was not created.")
            }
            try await Self.replaceModelTags(model.tags, modelID: id, tenantID: tenant.id, on: connection, logger: logger)
            let created = try await Self.model(where: "m.id = $1", id, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(action: "registered_model.created", objectType: "registered_model", objectID: created.name, after: created.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return created
        }
    }

    public func model(named name: String, in tenant: Tenant, logger: Logger) async throws -> RegisteredModel {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.model(named: name, on: connection, logger: logger)
        }
    }

    public func listModels(nameLike: String?, maxResults: Int, pageToken: String?, in tenant: Tenant, logger: Logger) async throws -> ModelPage {
        let fingerprint = PageToken.fingerprint(tenant.id.uuidString, "models", nameLike ?? "")
        let after = try pageToken.map { token throws(CairnError) in
            try PageToken.decode(token, fingerprint: fingerprint, positionCount: 1).position[0]
        }
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.modelColumns) FROM cairn.registered_models m
                WHERE (\(nameLike)::text IS NULL OR m.name ILIKE \(nameLike))
                  AND (\(after)::text IS NULL OR m.name > \(after))
                ORDER BY m.name LIMIT \(maxResults + 1)
                """, logger: logger)
            var models: [RegisteredModel] = []
            for try await row in rows { models.append(try Self.model(from: row.makeRandomAccess())) }
            guard models.count > maxResults else { return ModelPage(models: models, nextPageToken: nil) }
            models.removeLast()
            return ModelPage(models: models, nextPageToken: PageToken(position: [models[models.count - 1].name]).encode(fingerprint: fingerprint))
        }
    }

    public func updateModel(named name: String, _ changes: RegisteredModelChanges, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> RegisteredModel
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let found = try await Self.model(named: name, on: connection, logger: logger)
            // Locked, so concurrent tag changes and renames of one model apply one after the other.
            try await connection.query("SELECT 1 FROM cairn.registered_models WHERE id = \(found.id) FOR UPDATE", logger: logger)
            let current = try await Self.model(where: "m.id = $1", found.id, on: connection, logger: logger)
            let owner: String? = changes.owner.map { $0 ?? "" }
            try await connection.query(
                """
                UPDATE cairn.registered_models SET
                    name = COALESCE(\(changes.name?.value), name),
                    name_key = COALESCE(\(changes.name?.lookalikeKey), name_key),
                    description = COALESCE(\(changes.description), description),
                    owner = CASE WHEN \(owner)::text IS NULL THEN owner ELSE NULLIF(\(owner), '') END,
                    updated_by = \(actor.username)
                WHERE id = \(current.id)
                """, logger: logger)
            if let tags = changes.tags {
                try await Self.replaceModelTags(tags, modelID: current.id, tenantID: tenant.id, on: connection, logger: logger)
            }
            if !changes.setTags.isEmpty || !changes.deleteTags.isEmpty {
                let keys = Array(changes.setTags.keys)
                let values = keys.map { changes.setTags[$0] ?? "" }
                try await connection.query(
                    """
                    WITH removed AS (
                        DELETE FROM cairn.registered_model_tags WHERE model_id = \(current.id) AND key = ANY(\(changes.deleteTags)::text[])
                    )
                    INSERT INTO cairn.registered_model_tags (tenant_id, model_id, key, value)
                    SELECT \(tenant.id), \(current.id), k, v FROM unnest(\(keys)::text[], \(values)::text[]) AS t(k, v)
                    ON CONFLICT (tenant_id, model_id, key) DO UPDATE SET value = EXCLUDED.value
                    """, logger: logger)
                try await Self.checkTagCount(
                    "SELECT count(*)::int FROM cairn.registered_model_tags WHERE model_id = $1", current.id, on: connection, logger: logger)
            }
            let updated = try await Self.model(where: "m.id = $1", current.id, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "registered_model.updated", objectType: "registered_model", objectID: current.name,
                    before: current.auditJSON, after: updated.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return updated
        }
    }

    public func deleteModel(named name: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await Self.model(named: name, on: connection, logger: logger)
            // Lock every version first: an approval in flight holds its version's lock, so the counts below see its
            // outcome instead of racing it (and the database refuses to cascade a Production version away anyway).
            // Requests first, as a decision locks them (its request, then its version): the same order cannot deadlock.
            try await connection.query(
                "SELECT count(*) FROM (SELECT 1 FROM cairn.transition_requests WHERE model_id = \(model.id) FOR UPDATE) AS locked", logger: logger)
            try await connection.query(
                "SELECT count(*) FROM (SELECT 1 FROM cairn.model_versions WHERE model_id = \(model.id) FOR UPDATE) AS locked", logger: logger)
            // What keeps a model: versions in Production, under legal hold, or with deployment history (which must stay answerable).
            let keepers = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE stage = 'Production')::int, count(*) FILTER (WHERE legal_hold)::int,
                       (SELECT count(*) FROM cairn.deployments d WHERE d.model_id = \(model.id))::int
                FROM cairn.model_versions WHERE model_id = \(model.id)
                """, logger: logger
            ).decode((Int, Int, Int).self).first { _ in true }
            let (production, held, deployments) = keepers ?? (0, 0, 0)
            guard held == 0 else {
                throw CairnError(.invalidState, "Model '\(model.name)' has \(held) version(s) under legal hold; an admin must lift the hold first.")
            }
            guard deployments == 0 else {
                throw CairnError(
                    .invalidState, "Model '\(model.name)' has deployment history, which must stay answerable; archive its versions instead.")
            }
            guard production == 0 else {
                throw CairnError(
                    .invalidState, "Model '\(model.name)' has \(production) version(s) in Production; archive them before deleting the model.")
            }
            try await connection.query("DELETE FROM cairn.registered_models WHERE id = \(model.id)", logger: logger)
            try await AuditTrail.record(
                AuditEvent(action: "registered_model.deleted", objectType: "registered_model", objectID: model.name, before: model.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
        }
    }

    /// Refuses (rolling the change back) when merged tags take an object past `Limits.tagsPerObject`.
    static func checkTagCount(
        _ sql: String, _ values: any PostgresEncodable & Sendable..., on connection: PostgresConnection, logger: Logger
    ) async throws {
        var binds = PostgresBindings()
        for value in values { try binds.append(value) }
        let count = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(Int.self).first { _ in true }
        guard (count ?? 0) <= Limits.tagsPerObject else { throw CairnError.invalid("At most \(Limits.tagsPerObject) tags per object.") }
    }

    static func model(named name: String, on connection: PostgresConnection, logger: Logger) async throws -> RegisteredModel {
        try await model(where: "m.name = $1", ModelName.lookupForm(name), on: connection, logger: logger, notFoundName: name)
    }

    static func model(
        where condition: String, _ value: some PostgresEncodable & Sendable, on connection: PostgresConnection, logger: Logger,
        notFoundName: String? = nil
    ) async throws -> RegisteredModel {
        var binds = PostgresBindings()
        try binds.append(value)
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT \(modelColumns) FROM cairn.registered_models m WHERE \(condition)", binds: binds), logger: logger)
        for try await row in rows { return try model(from: row.makeRandomAccess()) }
        throw CairnError.notFound("Registered model '\(notFoundName ?? "\(value)")' not found.")
    }

    static func model(from row: PostgresRandomAccessRow) throws -> RegisteredModel {
        RegisteredModel(
            id: try row.value("id"), name: try row.value("name"), description: try row.value("description"),
            owner: try row.value("owner"), tags: try row.json("tags"), aliases: try row.json("aliases"),
            latestVersion: try row.value("latest_version"), createdAt: try row.value("created_at"),
            createdBy: try row.value("created_by"), updatedAt: try row.value("updated_at"), updatedBy: try row.value("updated_by"))
    }

    private static func replaceModelTags(_ tags: [String: String], modelID: UUID, tenantID: UUID, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let keys = Array(tags.keys)
        let values = keys.map { tags[$0] ?? "" }
        try await connection.query("DELETE FROM cairn.registered_model_tags WHERE model_id = \(modelID)", logger: logger)
        try await connection.query(
            """
            INSERT INTO cairn.registered_model_tags (tenant_id, model_id, key, value)
            SELECT \(tenantID), \(modelID), k, v FROM unnest(\(keys)::text[], \(values)::text[]) AS t(k, v)
            """, logger: logger)
    }
}
