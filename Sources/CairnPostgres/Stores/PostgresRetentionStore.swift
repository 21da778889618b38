public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// Retention policies, plans, recorded runs and hand purges (sql/0011_retention.sql), under row-level security.
/// Plans come from CairnCore's `RetentionPlanner` over `candidates`, so a preview and a run see the same thing.
public struct PostgresRetentionStore: RetentionStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func policy(in tenant: Tenant, logger: Logger) async throws -> StoredRetentionPolicy? {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.storedPolicy(on: connection, lock: nil, logger: logger)
        }
    }

    public func setPolicy(_ policy: RetentionPolicy, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> StoredRetentionPolicy {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let before = try await Self.storedPolicy(on: connection, lock: "FOR UPDATE", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO cairn.retention_policies AS p (tenant_id, rules, deployment_protection_days, updated_by)
                VALUES (\(tenant.id), \(try JSONText.encode(policy.rules))::jsonb, \(policy.deploymentProtectionDays), \(actor.username))
                ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, deployment_protection_days = EXCLUDED.deployment_protection_days,
                    revision = p.revision + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
                RETURNING \(unescaped: Self.policyColumns)
                """, logger: logger)
            guard let stored = try await Self.storedPolicy(from: rows) else {
                throw CairnError(.internalError, "The retention policy was not saved.")
            }
            try await AuditTrail.record(
                AuditEvent(
                    action: "retention_policy.updated", objectType: "retention_policy", objectID: tenant.slug.value,
                    before: try before.map { try Self.auditJSON($0) }, after: try Self.auditJSON(stored)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return stored
        }
    }

    public func preview(_ draft: RetentionPolicy?, now: Date, in tenant: Tenant, logger: Logger) async throws -> RetentionPreview {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let stored = draft == nil ? try await Self.storedPolicy(on: connection, lock: nil, logger: logger) : nil
            let policy = try draft ?? stored?.policy ?? RetentionPolicy(rules: [])
            let candidates = try await Self.candidates(on: connection, logger: logger)
            return RetentionPreview(
                policyRevision: stored?.revision, evaluatedAt: now, versions: candidates.count,
                plan: RetentionPlanner.evaluate(candidates.map(\.candidate), policy: policy, now: now))
        }
    }

    public func purge(_ version: Int, of modelName: String, comment: String?, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> (version: ModelVersion, blobs: [BlobDigest])
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let current = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            guard current.purgedAt == nil else { throw CairnError(.invalidState, "Version \(version) of '\(model.name)' is already purged.") }
            guard current.stage == .archived else {
                throw CairnError(.invalidState, "Only an archived version can be purged; version \(version) is in \(current.stage.rawValue).")
            }
            let policy = try await Self.storedPolicy(on: connection, lock: nil, logger: logger)?.policy ?? RetentionPolicy(rules: [])
            let state = try await Self.candidates(of: [(model.id, version)], on: connection, logger: logger)
            if let found = state.versions[VersionKey(model.id, version)],
                let why = RetentionPlanner.blocker(of: found.candidate, kind: .purge, latest: state.latest[model.id], policy: policy, now: Date())
            {
                throw CairnError(.invalidState, "Version \(version) of '\(model.name)' is protected from purging: \(why).")
            }
            let content = try await Self.content(of: [(model.id, version)], on: connection, logger: logger)
            try await connection.query(
                """
                UPDATE cairn.model_versions SET purged_at = now(), purged_by = \(actor.username), updated_by = \(actor.username)
                WHERE model_id = \(model.id) AND version = \(version)
                """, logger: logger)
            let summary = content.summaries[VersionKey(model.id, version)] ?? .empty
            var after: JSONObject = ["purged": .bool(true), "by_hand": .bool(true)]
            if let comment { after["comment"] = .string(comment) }
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version.purged", objectType: "model_version", objectID: current.auditID, before: summary.json,
                    after: .object(after)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            let updated = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger)
            return (updated, content.blobs)
        }
    }

    public func runs(in tenant: Tenant, before: RetentionRunCursor?, limit: Int, logger: Logger) async throws -> (
        runs: [RetentionRun], next: RetentionRunCursor?
    ) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.runColumns) FROM cairn.retention_runs r
                WHERE (\(before?.startedAt)::timestamptz IS NULL OR (r.started_at, r.id) < (\(before?.startedAt), \(before?.id)))
                ORDER BY r.started_at DESC, r.id DESC LIMIT \(limit + 1)
                """, logger: logger)
            var runs = try await Self.runs(from: rows)
            var next: RetentionRunCursor?
            if runs.count > limit {
                runs.removeLast()
                next = runs.last.map { RetentionRunCursor(startedAt: $0.startedAt, id: $0.id) }
            }
            return (runs, next)
        }
    }

    public func run(_ id: UUID, actionsAfter seq: Int, limit: Int, in tenant: Tenant, logger: Logger) async throws -> (
        run: RetentionRun, actions: [RecordedRetentionAction], next: Int?
    ) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            guard
                let run = try await Self.runs(
                    from: connection.query("SELECT \(unescaped: Self.runColumns) FROM cairn.retention_runs r WHERE r.id = \(id)", logger: logger)
                ).first
            else { throw CairnError.notFound("Retention run not found.") }
            let rows = try await connection.query(
                """
                SELECT seq, kind, model, version, rule, reason, state, note, done_at FROM cairn.retention_run_actions
                WHERE run_id = \(id) AND seq > \(seq) ORDER BY seq LIMIT \(limit + 1)
                """, logger: logger)
            var actions: [RecordedRetentionAction] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                guard let kind = RetentionAction.Kind(rawValue: try r.value("kind")),
                    let state = RecordedRetentionAction.State(rawValue: try r.value("state"))
                else { continue }
                actions.append(
                    RecordedRetentionAction(
                        seq: try r.value("seq"),
                        action: RetentionAction(
                            kind: kind, model: try r.value("model"), version: try r.value("version"), rule: try r.value("rule"),
                            reason: try r.value("reason")),
                        state: state, note: try r.value("note"), doneAt: try r.value("done_at")))
            }
            var next: Int?
            if actions.count > limit {
                actions.removeLast()
                next = actions.last?.seq
            }
            return (run, actions, next)
        }
    }

    // MARK: - Reading

    static let policyColumns = "rules::text, deployment_protection_days, revision, updated_at, updated_by, next_run_at"

    static func storedPolicy(on connection: PostgresConnection, lock: String?, logger: Logger) async throws -> StoredRetentionPolicy? {
        try await storedPolicy(
            from: connection.query(
                "SELECT \(unescaped: policyColumns) FROM cairn.retention_policies \(unescaped: lock ?? "")", logger: logger))
    }

    private static func storedPolicy(from rows: PostgresRowSequence) async throws -> StoredRetentionPolicy? {
        for try await (rules, days, revision, updatedAt, updatedBy, nextRunAt) in rows.decode((String, Int, Int, Date, String, Date?).self) {
            let decoded = try JSONDecoder().decode([RetentionRule].self, from: Data(rules.utf8))
            return StoredRetentionPolicy(
                policy: try RetentionPolicy(rules: decoded, deploymentProtectionDays: days), revision: revision, updatedAt: updatedAt,
                updatedBy: updatedBy, nextRunAt: nextRunAt)
        }
        return nil
    }

    struct VersionKey: Hashable {
        let modelID: UUID
        let version: Int
        init(_ modelID: UUID, _ version: Int) {
            self.modelID = modelID
            self.version = version
        }
    }

    struct LoadedCandidate {
        let modelID: UUID
        let candidate: RetentionCandidate
    }

    static let candidateColumns = """
        v.model_id, m.name, v.version, v.stage, COALESCE(v.stage_changed_at, v.created_at) AS stage_since, v.purged_at, v.legal_hold,
        ARRAY(SELECT a.alias FROM cairn.model_aliases a WHERE a.tenant_id = v.tenant_id AND a.model_id = v.model_id AND a.version = v.version
              ORDER BY a.alias) AS aliases,
        (SELECT bool_or(upper_inf(d.serving)) FROM cairn.deployments d
          WHERE d.tenant_id = v.tenant_id AND d.model_id = v.model_id AND d.version = v.version) AS serving_now,
        (SELECT max(upper(d.serving)) FROM cairn.deployments d
          WHERE d.tenant_id = v.tenant_id AND d.model_id = v.model_id AND d.version = v.version) AS last_end
        """

    /// Every version of the tenant, as the planner sees it.
    static func candidates(on connection: PostgresConnection, logger: Logger) async throws -> [LoadedCandidate] {
        let tags = try await modelTags(on: connection, logger: logger)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: candidateColumns)
            FROM cairn.model_versions v JOIN cairn.registered_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
            ORDER BY m.name, v.version
            """, logger: logger)
        return try await candidates(from: rows, tags: tags)
    }

    /// Some versions as they are now, locked until the transaction ends, and the latest version number of each of
    /// their models.
    static func candidates(of keys: [(UUID, Int)], on connection: PostgresConnection, logger: Logger) async throws -> (
        versions: [VersionKey: LoadedCandidate], latest: [UUID: Int]
    ) {
        let modelIDs = keys.map(\.0)
        let rows = try await connection.query(
            """
            SELECT \(unescaped: candidateColumns)
            FROM cairn.model_versions v JOIN cairn.registered_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
            WHERE (v.model_id, v.version) IN (SELECT * FROM unnest(\(modelIDs)::uuid[], \(keys.map(\.1))::int[]))
            ORDER BY v.model_id, v.version
            FOR UPDATE OF v
            """, logger: logger)
        let loaded = try await candidates(from: rows, tags: [:])
        var latest: [UUID: Int] = [:]
        let latestRows = try await connection.query(
            "SELECT model_id, max(version)::int FROM cairn.model_versions WHERE model_id = ANY(\(Array(Set(modelIDs)))) GROUP BY model_id",
            logger: logger)
        for try await (modelID, version) in latestRows.decode((UUID, Int).self) { latest[modelID] = version }
        return (Dictionary(loaded.map { (VersionKey($0.modelID, $0.candidate.version), $0) }, uniquingKeysWith: { first, _ in first }), latest)
    }

    private static func modelTags(on connection: PostgresConnection, logger: Logger) async throws -> [UUID: [String: String]] {
        var tags: [UUID: [String: String]] = [:]
        let rows = try await connection.query("SELECT model_id, key, value FROM cairn.registered_model_tags", logger: logger)
        for try await (modelID, key, value) in rows.decode((UUID, String, String).self) { tags[modelID, default: [:]][key] = value }
        return tags
    }

    private static func candidates(from rows: PostgresRowSequence, tags: [UUID: [String: String]]) async throws -> [LoadedCandidate] {
        var loaded: [LoadedCandidate] = []
        for try await (modelID, name, version, stage, since, purgedAt, hold, aliases, servingNow, lastEnd) in rows.decode(
            (UUID, String, Int, String, Date, Date?, Bool, [String], Bool?, Date?).self)
        {
            loaded.append(
                LoadedCandidate(
                    modelID: modelID,
                    candidate: RetentionCandidate(
                        model: name, modelTags: tags[modelID] ?? [:], version: version, stage: try Stage(validating: stage), stageSince: since,
                        purgedAt: purgedAt, aliases: aliases, legalHold: hold,
                        lastServedAt: servingNow == true ? .distantFuture : lastEnd)))
        }
        return loaded
    }

    /// What purging some versions releases: their distinct blobs, and per version a summary for the audit entry.
    struct Content {
        struct Summary {
            let files: Int
            let bytes: Int64
            let digest: String?
            static let empty = Summary(files: 0, bytes: 0, digest: nil)
            var json: JSONValue {
                .object(["files": .number(Double(files)), "bytes": .number(Double(bytes)), "files_digest": digest.map(JSONValue.string) ?? .null])
            }
        }
        var blobs: [BlobDigest] = []
        var summaries: [VersionKey: Summary] = [:]
    }

    static func content(of keys: [(UUID, Int)], on connection: PostgresConnection, logger: Logger) async throws -> Content {
        var content = Content()
        guard !keys.isEmpty else { return content }
        let (modelIDs, versions) = (keys.map(\.0), keys.map(\.1))
        let summaries = try await connection.query(
            """
            SELECT v.model_id, v.version, v.files_digest, count(f.path)::int, COALESCE(sum(f.size), 0)::bigint
            FROM cairn.model_versions v
            LEFT JOIN cairn.version_files f ON f.tenant_id = v.tenant_id AND f.model_id = v.model_id AND f.version = v.version
            WHERE (v.model_id, v.version) IN (SELECT * FROM unnest(\(modelIDs)::uuid[], \(versions)::int[]))
            GROUP BY v.model_id, v.version, v.files_digest
            """, logger: logger)
        for try await (modelID, version, digest, files, bytes) in summaries.decode((UUID, Int, String?, Int, Int64).self) {
            content.summaries[VersionKey(modelID, version)] = Content.Summary(files: files, bytes: bytes, digest: digest)
        }
        let blobs = try await connection.query(
            """
            SELECT DISTINCT sha256 FROM cairn.version_files
            WHERE (model_id, version) IN (SELECT * FROM unnest(\(modelIDs)::uuid[], \(versions)::int[]))
            """, logger: logger)
        for try await hex in blobs.decode(String.self) {
            if let digest = BlobDigest(hex: hex) { content.blobs.append(digest) }
        }
        return content
    }

    static func auditJSON(_ stored: StoredRetentionPolicy) throws -> JSONValue {
        let rules = try JSONDecoder().decode(JSONValue.self, from: Data(try JSONText.encode(stored.policy.rules).utf8))
        return .object([
            "rules": rules, "deployment_protection_days": .number(Double(stored.policy.deploymentProtectionDays)),
            "revision": .number(Double(stored.revision)),
        ])
    }
}
