public import CairnCore
import Foundation
public import Logging
import PostgresNIO

/// Version files in PostgreSQL. A (tenant, digest) pair is guarded by a transaction-level advisory lock: shared
/// while an upload publishes its blob and records the file, exclusive while the collector deletes an unreferenced
/// blob (sql/0008_artifacts.sql keeps the frozen-files rule in the database as well).
public struct PostgresArtifactStore: ArtifactStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let fileColumns = """
        f.path, f.size, f.sha256, f.media_type, f.format, f.created_at, f.created_by, i.state, i.checked_at
        """
    /// Files whose content is still kept: those of versions that were not purged.
    static let liveFiles = """
        cairn.version_files f JOIN cairn.model_versions v ON v.tenant_id = f.tenant_id AND v.model_id = f.model_id AND v.version = f.version
          AND v.purged_at IS NULL
        """
    static let fileSource = """
        cairn.version_files f LEFT JOIN cairn.blob_integrity i ON i.tenant_id = f.tenant_id AND i.sha256 = f.sha256
        """

    public func files(version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> VersionFiles {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: false)
            let files = try await Self.files(modelID: current.modelID, version: version, on: connection, logger: logger)
            return VersionFiles(status: current.status, filesDigest: current.filesDigest, files: files)
        }
    }

    public func file(_ path: ArtifactPath, version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> VersionFile {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: false)
            if let purgedAt = current.purgedAt {
                throw CairnError(
                    .gone, "Version \(version) of model '\(current.modelName)' was purged on \(RFC3339.format(purgedAt)); only its record remains.")
            }
            guard let file = try await Self.files(modelID: current.modelID, version: version, path: path, on: connection, logger: logger).first else {
                throw CairnError.notFound("Version \(version) of model '\(modelName)' has no file '\(path)'.")
            }
            return file
        }
    }

    public func checkCanAttach(_ path: ArtifactPath, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, logger: Logger)
        async throws
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: false)
            try await Self.requireAccepts(path, current: current, maxFiles: maxFiles, on: connection, logger: logger)
        }
    }

    public func attach(
        _ file: NewVersionFile, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, by actor: Actor,
        publish: @Sendable () async throws -> Void, logger: Logger
    ) async throws -> (file: VersionFile, replaced: Bool) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: true)
            let modelID = current.modelID
            try await Self.requireAccepts(file.path, current: current, maxFiles: maxFiles, on: connection, logger: logger)
            try await Self.lockBlob(file.blob.digest, tenantID: tenant.id, exclusive: false, on: connection, logger: logger)
            try await publish()
            let previous = try await Self.files(modelID: modelID, version: version, path: file.path, on: connection, logger: logger).first
            try await connection.query(
                """
                INSERT INTO cairn.version_files (tenant_id, model_id, version, path, size, sha256, media_type, format, created_by)
                VALUES (\(tenant.id), \(modelID), \(version), \(file.path.value), \(file.blob.size), \(file.blob.digest.hex),
                        \(file.mediaType), \(file.format.rawValue), \(actor.username))
                ON CONFLICT (tenant_id, model_id, version, path) DO UPDATE SET
                    size = EXCLUDED.size, sha256 = EXCLUDED.sha256, media_type = EXCLUDED.media_type, format = EXCLUDED.format,
                    created_at = now(), created_by = EXCLUDED.created_by
                """, logger: logger)
            // The content was just written again: an earlier "corrupt" or "missing" finding no longer holds.
            try await connection.query("DELETE FROM cairn.blob_integrity WHERE sha256 = \(file.blob.digest.hex)", logger: logger)
            guard let recorded = try await Self.files(modelID: modelID, version: version, path: file.path, on: connection, logger: logger).first
            else { throw CairnError(.internalError, "The file was not recorded.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: previous == nil ? "version_file.added" : "version_file.replaced", objectType: "version_file",
                    objectID: "\(current.auditID)/\(file.path)", before: previous.map(Self.auditJSON), after: Self.auditJSON(recorded)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return (recorded, previous != nil)
        }
    }

    public func detach(_ path: ArtifactPath, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: true)
            let modelID = current.modelID
            guard current.status != .ready else {
                throw CairnError(.invalidState, "Version \(version) is READY; its files are frozen.")
            }
            guard let previous = try await Self.files(modelID: modelID, version: version, path: path, on: connection, logger: logger).first else {
                throw CairnError.notFound("Version \(version) of model '\(modelName)' has no file '\(path)'.")
            }
            try await connection.query(
                "DELETE FROM cairn.version_files WHERE model_id = \(modelID) AND version = \(version) AND path = \(path.value)", logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "version_file.deleted", objectType: "version_file", objectID: "\(current.auditID)/\(path)",
                    before: Self.auditJSON(previous)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
        }
    }

    public func finalize(
        version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, verify: @Sendable ([VersionFile]) async throws -> Void,
        logger: Logger
    ) async throws -> (version: ModelVersion, changed: Bool) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let modelID = model.id
            let current = try await PostgresRegistryStore.version(version, modelID: modelID, on: connection, logger: logger, lock: true)
            switch current.status {
            case .ready: return (current, false)
            case .failedRegistration:
                throw CairnError(.invalidState, "Version \(version) failed registration; register a new version instead.")
            case .pendingRegistration: break
            }
            try await verify(try await Self.files(modelID: modelID, version: version, on: connection, logger: logger))
            try await connection.query("SELECT set_config('app.finalizing', 'on', true)", logger: logger)
            try await connection.query(
                "UPDATE cairn.model_versions SET status = 'READY', updated_by = \(actor.username) WHERE model_id = \(modelID) AND version = \(version)",
                logger: logger)
            let finalized = try await PostgresRegistryStore.version(version, modelID: modelID, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version.finalized", objectType: "model_version", objectID: current.auditID, before: current.auditJSON,
                    after: finalized.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return (finalized, true)
        }
    }

    public func referencedBlobs(in tenant: Tenant, logger: Logger) async throws -> [BlobDigest: Int64] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            var result: [BlobDigest: Int64] = [:]
            // A purged version's file list stays as its record; its content is no longer referenced.
            let rows = try await connection.query(
                """
                SELECT sha256, max(size) FROM (
                    SELECT f.sha256, f.size FROM \(unescaped: Self.liveFiles)
                    UNION ALL SELECT p.sha256, p.size FROM cairn.proxied_artifacts p
                ) AS referenced GROUP BY sha256
                """, logger: logger)
            for try await (hex, size) in rows.decode((String, Int64).self) {
                if let digest = BlobDigest(hex: hex) { result[digest] = size }
            }
            return result
        }
    }

    public func collectIfUnreferenced(
        _ digest: BlobDigest, in tenant: Tenant, remove: @Sendable () async throws -> Void, logger: Logger
    ) async throws -> Bool {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            guard try await Self.lockBlob(digest, tenantID: tenant.id, exclusive: true, on: connection, logger: logger) else { return false }
            let referenced =
                try await connection.query(
                    """
                    SELECT EXISTS (SELECT 1 FROM \(unescaped: Self.liveFiles) WHERE f.sha256 = \(digest.hex))
                        OR EXISTS (SELECT 1 FROM cairn.proxied_artifacts p WHERE p.sha256 = \(digest.hex))
                    """, logger: logger
                ).decode(Bool.self).first { _ in true } ?? true
            guard !referenced else { return false }
            try await remove()
            try await connection.query("DELETE FROM cairn.blob_integrity WHERE sha256 = \(digest.hex)", logger: logger)
            return true
        }
    }

    public func recordIntegrity(_ results: [BlobDigest: BlobIntegrity.State], in tenant: Tenant, by actor: Actor, logger: Logger) async throws {
        guard !results.isEmpty else { return }
        let digests = results.keys.sorted().map(\.hex)
        let states = results.keys.sorted().map { results[$0]?.rawValue ?? BlobIntegrity.State.missing.rawValue }
        try await database.withTenant(tenant.id, logger: logger) { connection in
            // Newly broken: broken now, and not already recorded as broken.
            var newlyBroken: [(String, String)] = []
            let rows = try await connection.query(
                """
                SELECT r.sha256, r.state FROM unnest(\(digests)::text[], \(states)::text[]) AS r(sha256, state)
                LEFT JOIN cairn.blob_integrity i ON i.sha256 = r.sha256
                WHERE r.state <> 'intact' AND i.state IS DISTINCT FROM r.state
                ORDER BY r.sha256
                """, logger: logger)
            for try await pair in rows.decode((String, String).self) { newlyBroken.append(pair) }
            try await connection.query(
                """
                INSERT INTO cairn.blob_integrity (tenant_id, sha256, state, checked_at)
                SELECT \(tenant.id), r.sha256, r.state, now() FROM unnest(\(digests)::text[], \(states)::text[]) AS r(sha256, state)
                ON CONFLICT (tenant_id, sha256) DO UPDATE SET state = EXCLUDED.state, checked_at = EXCLUDED.checked_at
                """, logger: logger)
            for (hex, state) in newlyBroken {
                try await AuditTrail.record(
                    AuditEvent(
                        action: "artifact.integrity_failed", objectType: "blob", objectID: "sha256:\(hex)",
                        after: .object(["state": .string(state)])),
                    by: actor, tenantID: tenant.id, on: connection, logger: logger)
            }
        }
    }

    public func brokenFiles(in tenant: Tenant, logger: Logger) async throws -> [BrokenFile] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT m.name, f.version, f.path, f.sha256, i.state, i.checked_at
                FROM \(unescaped: Self.liveFiles)
                JOIN cairn.blob_integrity i ON i.tenant_id = f.tenant_id AND i.sha256 = f.sha256
                JOIN cairn.registered_models m ON m.tenant_id = f.tenant_id AND m.id = f.model_id
                WHERE i.state <> 'intact'
                ORDER BY m.name, f.version, f.path COLLATE "C"
                """, logger: logger)
            var broken: [BrokenFile] = []
            for try await (name, version, path, hex, state, checkedAt) in rows.decode((String, Int, String, String, String, Date).self) {
                guard let digest = BlobDigest(hex: hex), let state = BlobIntegrity.State(rawValue: state) else { continue }
                broken.append(
                    BrokenFile(
                        modelName: name, version: version, path: try ArtifactPath(decoded: path), digest: digest,
                        integrity: BlobIntegrity(state: state, checkedAt: checkedAt)))
            }
            return broken
        }
    }

    public func exclusiveMaintenance<T: Sendable>(of tenant: Tenant, logger: Logger, _ body: @Sendable () async throws -> T) async throws -> T? {
        let key = "cairn.artifacts:\(tenant.id.uuidString.lowercased())"
        return try await database.client.withConnection { connection in
            let claimed =
                try await connection.query("SELECT pg_try_advisory_lock(hashtextextended(\(key), 0))", logger: logger)
                .decode(Bool.self).first { _ in true } ?? false
            guard claimed else { return nil }
            do {
                let result = try await body()
                try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(key), 0))", logger: logger)
                throw error
            }
        }
    }

    // MARK: helpers

    static func requireAccepts(
        _ path: ArtifactPath, current: VersionRef, maxFiles: Int, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard current.status == .pendingRegistration else {
            throw CairnError(
                .invalidState,
                "Version \(current.version) is \(current.status.rawValue); files are uploaded while a version is PENDING_REGISTRATION (create it with that status), then frozen by finalize."
            )
        }
        let count =
            try await connection.query(
                """
                SELECT count(*)::int FROM cairn.version_files
                WHERE model_id = \(current.modelID) AND version = \(current.version) AND path <> \(path.value)
                """, logger: logger
            ).decode(Int.self).first { _ in true } ?? 0
        guard count < maxFiles else {
            throw CairnError.invalid("A version may hold at most \(maxFiles) files (artifacts.max_files_per_version).")
        }
    }

    /// Transaction-scoped; the exclusive form only tries, and returns false when someone holds the lock.
    @discardableResult
    static func lockBlob(_ digest: BlobDigest, tenantID: UUID, exclusive: Bool, on connection: PostgresConnection, logger: Logger) async throws
        -> Bool
    {
        let key = "\(tenantID.uuidString.lowercased()):\(digest.hex)"
        if exclusive {
            return try await connection.query("SELECT pg_try_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
                .decode(Bool.self).first { _ in true } ?? false
        }
        try await connection.query("SELECT pg_advisory_xact_lock_shared(hashtextextended(\(key), 0))", logger: logger)
        return true
    }

    static func files(modelID: UUID, version: Int, path: ArtifactPath? = nil, on connection: PostgresConnection, logger: Logger) async throws
        -> [VersionFile]
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: fileColumns) FROM \(unescaped: fileSource)
            WHERE f.model_id = \(modelID) AND f.version = \(version) AND (\(path?.value)::text IS NULL OR f.path = \(path?.value))
            ORDER BY f.path COLLATE "C"
            """, logger: logger)
        var files: [VersionFile] = []
        for try await row in rows {
            let row = row.makeRandomAccess()
            let state = (try row.value("state", as: String?.self)).flatMap(BlobIntegrity.State.init(rawValue:))
            let checkedAt: Date? = try row.value("checked_at")
            guard let digest = BlobDigest(hex: try row.value("sha256", as: String.self)) else {
                throw CairnError(.internalError, "A stored file digest is malformed.")
            }
            files.append(
                VersionFile(
                    path: try ArtifactPath(decoded: try row.value("path")), size: try row.value("size"), digest: digest,
                    mediaType: try row.value("media_type"), format: ArtifactFormat(rawValue: try row.value("format")) ?? .plain,
                    createdAt: try row.value("created_at"), createdBy: try row.value("created_by"),
                    integrity: state.flatMap { state in checkedAt.map { BlobIntegrity(state: state, checkedAt: $0) } }))
        }
        return files
    }

    static func auditJSON(_ file: VersionFile) -> JSONValue {
        .object([
            "path": .string(file.path.value), "sha256": .string(file.digest.hex), "size": .number(Double(file.size)),
            "format": .string(file.format.rawValue),
        ])
    }
}

/// What the file operations need of a version: a light lookup (the registry's version query also gathers metrics,
/// tags and aliases, which every download would pay for).
struct VersionRef {
    let modelID: UUID
    let modelName: String
    let version: Int
    let status: VersionStatus
    let filesDigest: BlobDigest?
    let purgedAt: Date?

    var auditID: String { "\(modelName)/\(version)" }

    static func find(_ number: Int, of modelName: String, on connection: PostgresConnection, logger: Logger, lock: Bool) async throws -> VersionRef {
        let model = try await connection.query(
            "SELECT id, name FROM cairn.registered_models WHERE name = \(ModelName.lookupForm(modelName))", logger: logger
        ).decode((UUID, String).self).first { _ in true }
        guard let (modelID, name) = model else { throw CairnError.notFound("Registered model '\(modelName)' not found.") }
        let row = try await connection.query(
            """
            SELECT status, files_digest, purged_at FROM cairn.model_versions WHERE model_id = \(modelID) AND version = \(number)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger
        ).decode((String, String?, Date?).self).first { _ in true }
        guard let (status, digest, purgedAt) = row else { throw CairnError.notFound("Version \(number) of model '\(name)' not found.") }
        return VersionRef(
            modelID: modelID, modelName: name, version: number, status: try VersionStatus(validating: status),
            filesDigest: digest.flatMap { BlobDigest(hex: $0) }, purgedAt: purgedAt)
    }
}
