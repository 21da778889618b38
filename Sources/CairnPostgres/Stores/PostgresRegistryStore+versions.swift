public import CairnCore
import Foundation
public import Logging
import PostgresNIO

extension PostgresRegistryStore {
    /// Metrics come as one flat text[] of (dataset, key, value) triples and tags as (key, value) pairs, decoded in
    /// binary: no jsonb text through a JSON decoder per row. Both are kept on the version's row by triggers
    /// (sql/0015), so a page of versions runs no subquery per row for them. `cairn.tenant_versions` returns the same.
    static let versionColumns = """
        v.model_id, m.name AS model_name, v.version, v.status, v.status_message, v.stage, v.description,
        v.source, v.run_id, v.run_link, v.code_repository, v.code_commit, v.dataset_uri, v.dataset_version, v.dataset_digest,
        v.hyperparameters::text AS hyperparameters, v.environment::text AS environment,
        v.created_at, v.created_by, v.updated_at, v.updated_by, v.legal_hold, v.files_digest, v.purged_at, v.purged_by,
        v.metrics_facet AS metrics, v.tags_facet AS tags,
        ARRAY(SELECT a.alias FROM cairn.model_aliases a
              WHERE a.tenant_id = v.tenant_id AND a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias) AS aliases
        """

    static let versionSource = """
        cairn.model_versions v JOIN cairn.registered_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
        """

    public func createVersion(of modelName: String, _ version: NewModelVersion, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> ModelVersion
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            // The row lock on the model serialises concurrent registrations and is held to commit, so the number is
            // claimed, the version inserted and its tags and metrics written in one statement: one round trip under the
            // lock, not four. (Foreign keys and the facet triggers run at the statement's end, when the version row is
            // there.) The metrics' (dataset, key) pairs are distinct (`[Metric].validated`).
            let claimed = try await connection.execute(
                CreateVersion(modelName: ModelName.lookupForm(modelName), version: version, tenantID: tenant.id, actor: actor.username),
                logger: logger
            ).first(where: { _ in true })
            guard let (modelID, number) = claimed else { throw CairnError.notFound("Registered model '\(modelName)' not found.") }
            let created = try await Self.version(number, modelID: modelID, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(action: "model_version.created", objectType: "model_version", objectID: created.auditID, after: created.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return created
        }
    }

    public func version(_ version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelVersion {
        try await versions([version], of: modelName, in: tenant, logger: logger)[0]
    }

    /// One prepared statement in one round trip (`cairn.tenant_versions` scopes itself to the tenant); only when a
    /// version is missing is the model looked up, to say which of the two is not there.
    public func versions(_ versions: [Int], of modelName: String, in tenant: Tenant, logger: Logger) async throws -> [ModelVersion] {
        let rows = try await database.scopedRead(
            TenantVersions(tenantID: tenant.id, name: ModelName.lookupForm(modelName), versions: versions), logger: logger)
        let found = Dictionary(rows.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        if let missing = versions.first(where: { found[$0] == nil }) {
            let model = try await database.withTenant(tenant.id, logger: logger) { connection in
                try await Self.model(named: modelName, on: connection, logger: logger)
            }
            throw CairnError.notFound("Version \(missing) of model '\(model.name)' not found.")
        }
        return versions.compactMap { found[$0] }
    }

    public func updateVersion(
        _ version: Int, of modelName: String, _ changes: ModelVersionChanges, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> ModelVersion {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await Self.model(named: modelName, on: connection, logger: logger)
            let current = try await Self.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            if let status = changes.status, !current.status.canMove(to: status) {
                throw CairnError(.invalidState, "Version \(version) is \(current.status.rawValue); its status cannot change to \(status.rawValue).")
            }
            if changes.status == .ready, current.status == .pendingRegistration,
                try await Self.hasFiles(modelID: model.id, version: version, on: connection, logger: logger)
            {
                throw CairnError(
                    .invalidState,
                    "Version \(version) has files: finalize it (POST …/versions/\(version)/finalize) to check its content and make it READY.")
            }
            try await connection.query(
                """
                UPDATE cairn.model_versions SET
                    description = COALESCE(\(changes.description), description),
                    status = COALESCE(\(changes.status?.rawValue), status),
                    status_message = COALESCE(\(changes.statusMessage), status_message),
                    updated_by = \(actor.username)
                WHERE model_id = \(model.id) AND version = \(version)
                """, logger: logger)
            if let tags = changes.tags {
                try await Self.replaceVersionTags(tags, modelID: model.id, version: version, tenantID: tenant.id, on: connection, logger: logger)
            }
            if !changes.setTags.isEmpty || !changes.deleteTags.isEmpty {
                try await Self.mergeVersionTags(
                    set: changes.setTags, delete: changes.deleteTags, modelID: model.id, version: version, tenantID: tenant.id, on: connection,
                    logger: logger)
            }
            if let metrics = changes.metrics {
                try await Self.recordMetrics(
                    metrics, modelID: model.id, version: version, stage: current.stage, tenantID: tenant.id, by: actor, on: connection,
                    logger: logger)
            }
            let updated = try await Self.version(version, modelID: model.id, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version.updated", objectType: "model_version", objectID: current.auditID,
                    before: current.auditJSON, after: updated.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return updated
        }
    }

    public func deleteVersion(_ version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await Self.model(named: modelName, on: connection, logger: logger)
            let current = try await Self.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            let deployed =
                try await connection.query(
                    "SELECT count(*)::int FROM cairn.deployments WHERE model_id = \(model.id) AND version = \(version)", logger: logger
                ).decode(Int.self).first(where: { _ in true }) ?? 0
            guard deployed == 0 else {
                throw CairnError(
                    .invalidState, "Version \(version) of '\(model.name)' has deployment history, which must stay answerable; archive it instead.")
            }
            guard !current.legalHold else {
                throw CairnError(.invalidState, "Version \(version) of '\(model.name)' is under legal hold; an admin must lift it first.")
            }
            guard current.stage != .production else {
                throw CairnError(.invalidState, "Version \(version) of '\(model.name)' is in Production; archive it before deleting it.")
            }
            try await connection.query(
                """
                WITH touched AS (UPDATE cairn.registered_models SET updated_by = \(actor.username) WHERE id = \(model.id))
                DELETE FROM cairn.model_versions WHERE model_id = \(model.id) AND version = \(version)
                """, logger: logger)
            try await AuditTrail.record(
                AuditEvent(action: "model_version.deleted", objectType: "model_version", objectID: current.auditID, before: current.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
        }
    }

    static func version(_ number: Int, modelID: UUID, on connection: PostgresConnection, logger: Logger, lock: Bool = false) async throws
        -> ModelVersion
    {
        let found =
            lock
            ? try await connection.execute(VersionByID<Locked>(modelID: modelID, version: number), logger: logger).first { _ in true }
            : try await connection.execute(VersionByID<Unlocked>(modelID: modelID, version: number), logger: logger).first { _ in true }
        guard let found else { throw CairnError.notFound("Version \(number) not found.") }
        return found
    }

    /// A version by its model's name, row locked, in one statement; only when it is missing is the model looked up, to
    /// say which of the two is not there.
    static func lockedVersion(_ number: Int, ofModelNamed name: String, on connection: PostgresConnection, logger: Logger) async throws
        -> ModelVersion
    {
        let found = try await connection.execute(LockedVersionByName(name: ModelName.lookupForm(name), version: number), logger: logger)
            .first { _ in true }
        if let found { return found }
        _ = try await model(named: name, on: connection, logger: logger)
        throw CairnError.notFound("Version \(number) not found.")
    }

    /// By position (the projection's order, checked by name in debug builds): no hashing of 28 column names a row.
    static func version(from row: PostgresRandomAccessRow) throws -> ModelVersion {
        typealias C = VersionColumn
        return ModelVersion(
            modelID: try row.value(C.modelID), modelName: try row.value(C.modelName), version: try row.value(C.version),
            status: try VersionStatus(validating: try row.value(C.status)), statusMessage: try row.value(C.statusMessage),
            stage: try Stage(validating: try row.value(C.stage)), description: try row.value(C.description),
            source: try row.value(C.source), runID: try row.value(C.runID), runLink: try row.value(C.runLink),
            lineage: Lineage(
                codeRepository: try row.value(C.codeRepository), codeCommit: try row.value(C.codeCommit),
                datasetURI: try row.value(C.datasetURI), datasetVersion: try row.value(C.datasetVersion),
                datasetDigest: try row.value(C.datasetDigest)),
            hyperparameters: try row.jsonObject(C.hyperparameters), metrics: try row.metrics(C.metrics),
            environment: try row.jsonObject(C.environment), tags: try row.pairs(C.tags),
            aliases: try row.value(C.aliases),
            createdAt: try row.value(C.createdAt), createdBy: try row.value(C.createdBy),
            updatedAt: try row.value(C.updatedAt), updatedBy: try row.value(C.updatedBy), legalHold: try row.value(C.legalHold),
            filesDigest: (try row.value(C.filesDigest, as: String?.self)).flatMap { BlobDigest(hex: $0) },
            purgedAt: try row.value(C.purgedAt), purgedBy: try row.value(C.purgedBy))
    }

    private static func replaceVersionTags(
        _ tags: [String: String], modelID: UUID, version: Int, tenantID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query("DELETE FROM cairn.model_version_tags WHERE model_id = \(modelID) AND version = \(version)", logger: logger)
        guard !tags.isEmpty else { return }
        let keys = Array(tags.keys)
        let values = keys.map { tags[$0] ?? "" }
        try await connection.query(
            """
            INSERT INTO cairn.model_version_tags (tenant_id, model_id, version, key, value)
            SELECT \(tenantID), \(modelID), \(version), k, v FROM unnest(\(keys)::text[], \(values)::text[]) AS t(k, v)
            """, logger: logger)
    }

    /// One tag set or removed at a time (MLflow's set-tag / delete-tag): the others stay, and the version's row lock
    /// (taken by the caller) orders concurrent changes.
    private static func mergeVersionTags(
        set: [String: String], delete: [String], modelID: UUID, version: Int, tenantID: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let keys = Array(set.keys)
        let values = keys.map { set[$0] ?? "" }
        try await connection.query(
            """
            WITH removed AS (
                DELETE FROM cairn.model_version_tags WHERE model_id = \(modelID) AND version = \(version) AND key = ANY(\(delete)::text[])
            )
            INSERT INTO cairn.model_version_tags (tenant_id, model_id, version, key, value)
            SELECT \(tenantID), \(modelID), \(version), k, v FROM unnest(\(keys)::text[], \(values)::text[]) AS t(k, v)
            ON CONFLICT (tenant_id, model_id, version, key) DO UPDATE SET value = EXCLUDED.value
            """, logger: logger)
        try await Self.checkTagCount(
            "SELECT count(*)::int FROM cairn.model_version_tags WHERE model_id = $1 AND version = $2", modelID, version, on: connection,
            logger: logger)
    }

    /// Metrics of a version in None may be corrected; once it has left None they are evidence, append-only: a new
    /// evaluation is a new (dataset, key) row with its own time and author, and re-sending a recorded value is a no-op.
    /// The database refuses an overwrite too (`metrics_append_only`).
    private static func recordMetrics(
        _ metrics: [Metric], modelID: UUID, version: Int, stage: Stage, tenantID: UUID, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard !metrics.isEmpty else { return }
        let datasets = metrics.map(\.dataset)
        let keys = metrics.map(\.key)
        let values = metrics.map(\.value)
        guard stage == .none else {
            let rewritten = try await connection.query(
                """
                SELECT m.d, m.k FROM unnest(\(datasets)::text[], \(keys)::text[], \(values)::float8[]) AS m(d, k, x)
                JOIN cairn.version_metrics e ON e.model_id = \(modelID) AND e.version = \(version) AND e.dataset = m.d AND e.key = m.k
                WHERE e.value IS DISTINCT FROM m.x LIMIT 1
                """, logger: logger
            ).decode((String, String).self).first { _ in true }
            if let (dataset, key) = rewritten {
                throw CairnError(
                    .invalidState,
                    "Version \(version) is in \(stage.rawValue): its metrics are recorded evidence and append-only, and '\(key)' on dataset '\(dataset)' already has a value. Record a new evaluation under a new dataset name."
                )
            }
            try await connection.query(
                """
                INSERT INTO cairn.version_metrics (tenant_id, model_id, version, dataset, key, value, recorded_by)
                SELECT \(tenantID), \(modelID), \(version), d, k, x, \(actor.username)
                FROM unnest(\(datasets)::text[], \(keys)::text[], \(values)::float8[]) AS m(d, k, x)
                ON CONFLICT (tenant_id, model_id, version, dataset, key) DO NOTHING
                """, logger: logger)
            return
        }
        try await connection.query(
            """
            INSERT INTO cairn.version_metrics (tenant_id, model_id, version, dataset, key, value, recorded_by)
            SELECT \(tenantID), \(modelID), \(version), d, k, x, \(actor.username)
            FROM unnest(\(datasets)::text[], \(keys)::text[], \(values)::float8[]) AS m(d, k, x)
            ON CONFLICT (tenant_id, model_id, version, dataset, key)
            DO UPDATE SET value = EXCLUDED.value, recorded_at = now(), recorded_by = EXCLUDED.recorded_by
            """, logger: logger)
    }

    static func hasFiles(modelID: UUID, version: Int, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM cairn.version_files WHERE model_id = \(modelID) AND version = \(version))", logger: logger
        ).decode(Bool.self).first { _ in true } ?? false
    }
}

/// Claims the model's next number, inserts the version and writes its tags and metrics: one prepared statement (its
/// plan costs more than its run). Returns the model's id and the number, or no row if the model does not exist.
struct CreateVersion: PostgresPreparedStatement {
    static let sql = """
        WITH claimed AS (
            UPDATE cairn.registered_models SET next_version = next_version + 1, updated_by = $1
            WHERE name = $2
            RETURNING id, next_version - 1 AS number
        ), created AS (
            INSERT INTO cairn.model_versions (
                tenant_id, model_id, version, status, description, source, run_id, run_link,
                code_repository, code_commit, dataset_uri, dataset_version, dataset_digest,
                hyperparameters, environment, created_by, updated_by)
            SELECT $3, c.id, c.number, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text::jsonb, $15::text::jsonb, $1, $1
            FROM claimed c
            RETURNING model_id, version
        ), tagged AS (
            INSERT INTO cairn.model_version_tags (tenant_id, model_id, version, key, value)
            SELECT $3, c.model_id, c.version, t.k, t.v FROM created c, unnest($16::text[], $17::text[]) AS t(k, v)
        ), measured AS (
            INSERT INTO cairn.version_metrics (tenant_id, model_id, version, dataset, key, value, recorded_by)
            SELECT $3, c.model_id, c.version, m.d, m.k, m.x, $1
            FROM created c, unnest($18::text[], $19::text[], $20::float8[]) AS m(d, k, x)
        )
        SELECT model_id, version FROM created
        """
    typealias Row = (UUID, Int)
    let modelName: String
    let version: NewModelVersion
    let tenantID: UUID
    let actor: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        let lineage = version.lineage
        bindings.append(actor)
        bindings.append(modelName)
        bindings.append(tenantID)
        bindings.append(version.status.rawValue)
        bindings.append(version.description)
        bindings.append(version.source)
        bindings.append(version.runID)
        bindings.append(version.runLink)
        bindings.append(lineage.codeRepository)
        bindings.append(lineage.codeCommit)
        bindings.append(lineage.datasetURI)
        bindings.append(lineage.datasetVersion)
        bindings.append(lineage.datasetDigest)
        bindings.append(try JSONText.encode(version.hyperparameters))
        bindings.append(try JSONText.encode(version.environment))
        let tagKeys = Array(version.tags.keys)
        bindings.append(tagKeys)
        bindings.append(tagKeys.map { version.tags[$0] ?? "" })
        bindings.append(version.metrics.map(\.dataset))
        bindings.append(version.metrics.map(\.key))
        bindings.append(version.metrics.map(\.value))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (UUID, Int) { try row.decode((UUID, Int).self) }
}

/// A statement whose rows are the version projection (`versionColumns`, or `cairn.tenant_versions`).
protocol VersionRows: PostgresPreparedStatement where Row == ModelVersion {}

extension VersionRows {
    func decodeRow(_ row: PostgresRow) throws -> ModelVersion { try PostgresRegistryStore.version(from: row.makeRandomAccess()) }
}

/// The hot read: versions of a model named by its look-up form, in one statement that sets the tenant itself.
struct TenantVersions: VersionRows {
    static let sql = "SELECT * FROM cairn.tenant_versions($1, $2, $3)"
    let tenantID: UUID
    let name: String
    let versions: [Int]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID)
        bindings.append(name)
        // int4[], as the column: an int8[] would compare across types and walk the model's whole index range.
        bindings.append(versions.compactMap(Int32.init(exactly:)))
        return bindings
    }
}

/// A version by its model's id, prepared once per connection (the projection's plan costs more than its run), with
/// the row locked or not.
struct VersionByID<Locking: RowLocking>: VersionRows {
    static var sql: String {
        """
        SELECT \(PostgresRegistryStore.versionColumns) FROM \(PostgresRegistryStore.versionSource)
        WHERE v.model_id = $1 AND v.version = $2 \(Locking.clause)
        """
    }
    static var name: String { "VersionByID\(Locking.self)" }
    let modelID: UUID
    let version: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(modelID)
        bindings.append(Int32(clamping: version))
        return bindings
    }
}

/// A version by its model's look-up name, its row locked.
struct LockedVersionByName: VersionRows {
    static var sql: String {
        """
        SELECT \(PostgresRegistryStore.versionColumns) FROM \(PostgresRegistryStore.versionSource)
        WHERE v.model_id = (SELECT id FROM cairn.registered_models WHERE name = $1) AND v.version = $2 \(Locked.clause)
        """
    }
    let name: String
    let version: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(name)
        bindings.append(Int32(clamping: version))
        return bindings
    }
}

protocol RowLocking { static var clause: String { get } }
enum Locked: RowLocking { static var clause: String { "FOR UPDATE OF v" } }
enum Unlocked: RowLocking { static var clause: String { "" } }

/// The columns of `PostgresRegistryStore.versionColumns` (and of `cairn.tenant_versions`), in their order: a case's
/// raw value is its position, so a row is read by index with no name look-up.
enum VersionColumn: Int, CaseIterable {
    case modelID, modelName, version, status, statusMessage, stage, description
    case source, runID, runLink, codeRepository, codeCommit
    case datasetURI, datasetVersion, datasetDigest
    case hyperparameters, environment, createdAt, createdBy, updatedAt
    case updatedBy, legalHold, filesDigest, purgedAt
    case purgedBy, metrics, tags, aliases

    private static let names = [
        "model_id", "model_name", "version", "status", "status_message", "stage", "description",
        "source", "run_id", "run_link", "code_repository", "code_commit",
        "dataset_uri", "dataset_version", "dataset_digest",
        "hyperparameters", "environment", "created_at", "created_by", "updated_at",
        "updated_by", "legal_hold", "files_digest", "purged_at",
        "purged_by", "metrics", "tags", "aliases",
    ]

    var name: String { Self.names[rawValue] }
}

extension PostgresRandomAccessRow {
    fileprivate func value<T: PostgresDecodable>(_ column: VersionColumn, as type: T.Type = T.self) throws -> T {
        let cell = self[column.rawValue]
        assert(cell.columnName == column.name, "column \(column.rawValue) is '\(cell.columnName)', not '\(column.name)'")
        return try cell.decode(T.self)
    }

    /// A jsonb object as text; the empty object, the common case, without a decoder.
    fileprivate func jsonObject(_ column: VersionColumn) throws -> JSONObject {
        let text = try value(column, as: String.self)
        return text == "{}" ? [:] : try JSONDecoder().decode(JSONObject.self, from: Data(text.utf8))
    }

    /// A flat text[] of (dataset, key, value) triples.
    fileprivate func metrics(_ column: VersionColumn) throws -> [Metric] {
        let flat = try value(column, as: [String].self)
        guard flat.count % 3 == 0 else { throw DecodingFailure("'\(column.name)' is not a list of (dataset, key, value) triples") }
        return try stride(from: 0, to: flat.count, by: 3).map { i in
            guard let number = Double(flat[i + 2]) else { throw DecodingFailure("metric value '\(flat[i + 2])' is not a number") }
            return Metric(dataset: flat[i], key: flat[i + 1], value: number)
        }
    }

    /// A flat text[] of (key, value) pairs.
    fileprivate func pairs(_ column: VersionColumn) throws -> [String: String] {
        let flat = try value(column, as: [String].self)
        guard flat.count % 2 == 0 else { throw DecodingFailure("'\(column.name)' is not a list of (key, value) pairs") }
        var pairs: [String: String] = [:]
        pairs.reserveCapacity(flat.count / 2)
        for i in stride(from: 0, to: flat.count, by: 2) { pairs[flat[i]] = flat[i + 1] }
        return pairs
    }
}

private struct DecodingFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
