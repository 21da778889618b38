public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// MLflow's artifact proxy: `cairn.proxied_artifacts` (sql/0016), one tree per tenant, its content in the same blob
/// store and under the same per-blob locks as version files, so collection never races a proxied upload.
extension PostgresArtifactStore {
    public func proxiedArtifacts(under path: ArtifactPath?, in tenant: Tenant, logger: Logger) async throws -> [ProxiedArtifact] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.proxied(under: path, on: connection, logger: logger)
        }
    }

    public func recordProxied(
        _ path: ArtifactPath, blob: StoredBlob, in tenant: Tenant, by actor: Actor, publish: @Sendable () async throws -> Void, logger: Logger
    ) async throws -> ProxiedArtifact {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            // A file and a directory cannot share a name: MLflow's tree is a file system.
            let clash = try await connection.query(
                """
                SELECT path FROM cairn.proxied_artifacts
                WHERE path LIKE \(Self.likePrefix(path)) OR path = ANY(\(Self.ancestors(of: path))::text[]) LIMIT 1
                """, logger: logger
            ).decode(String.self).first { _ in true }
            if let clash {
                throw CairnError(.invalidState, "'\(path)' would clash with the stored artifact '\(clash)' (a file and a directory of one name).")
            }
            try await Self.refuseFrozen(path, on: connection, logger: logger)
            try await Self.lockBlob(blob.digest, tenantID: tenant.id, exclusive: false, on: connection, logger: logger)
            try await publish()
            let previous = try await Self.proxied(under: path, on: connection, logger: logger).first { $0.path == path }
            let rows = try await connection.query(
                """
                INSERT INTO cairn.proxied_artifacts (tenant_id, path, size, sha256, created_by)
                VALUES (\(tenant.id), \(path.value), \(blob.size), \(blob.digest.hex), \(actor.username))
                ON CONFLICT (tenant_id, path) DO UPDATE SET size = EXCLUDED.size, sha256 = EXCLUDED.sha256, created_at = now(),
                    created_by = EXCLUDED.created_by
                RETURNING created_at
                """, logger: logger)
            guard let createdAt = try await rows.decode(Date.self).first(where: { _ in true }) else {
                throw CairnError(.internalError, "The artifact was not recorded.")
            }
            try await connection.query("DELETE FROM cairn.blob_integrity WHERE sha256 = \(blob.digest.hex)", logger: logger)
            let stored = ProxiedArtifact(path: path, size: blob.size, digest: blob.digest, createdAt: createdAt, createdBy: actor.username)
            try await AuditTrail.record(
                AuditEvent(
                    action: previous == nil ? "proxied_artifact.stored" : "proxied_artifact.replaced", objectType: "proxied_artifact",
                    objectID: path.value, before: previous.map(Self.auditJSON), after: Self.auditJSON(stored)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return stored
        }
    }

    public func deleteProxied(_ path: ArtifactPath, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> [BlobDigest] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.refuseFrozen(path, on: connection, logger: logger)
            var removed: [(String, String)] = []
            for try await row in try await connection.query(
                """
                DELETE FROM cairn.proxied_artifacts WHERE path = \(path.value) OR path LIKE \(Self.likePrefix(path))
                RETURNING path, sha256
                """, logger: logger
            ).decode((String, String).self) {
                removed.append(row)
            }
            guard !removed.isEmpty else { return [] }
            try await AuditTrail.record(
                AuditEvent(
                    action: "proxied_artifact.deleted", objectType: "proxied_artifact", objectID: path.value,
                    before: .object(["paths": .array(removed.map { .string($0.0) }.sorted { "\($0)" < "\($1)" })])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return removed.compactMap { BlobDigest(hex: $0.1) }
        }
    }

    public func linkProxied(
        _ directory: ArtifactPath, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> Int {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await VersionRef.find(version, of: modelName, on: connection, logger: logger, lock: true)
            let files = try await Self.proxied(under: directory, on: connection, logger: logger).filter { $0.path != directory }
            guard !files.isEmpty else { return 0 }
            guard files.count <= maxFiles else {
                throw CairnError.invalid(
                    "'\(directory)' holds \(files.count) files; a version may hold at most \(maxFiles) (artifacts.max_files_per_version).")
            }
            let relative = try files.map { file throws(CairnError) in
                try ArtifactPath(decoded: String(file.path.value.dropFirst(directory.value.count + 1)))
            }
            try await Self.requireAccepts(relative[0], current: current, maxFiles: maxFiles, on: connection, logger: logger)
            // Frozen first (its row makes every later write under the directory wait for this commit, then fail), then
            // each blob under its shared lock; the tree is read again under both, so what is linked is what is there.
            try await connection.query(
                """
                INSERT INTO cairn.proxied_frozen_directories (tenant_id, path, model_id, version)
                VALUES (\(tenant.id), \(directory.value), \(current.modelID), \(version))
                """, logger: logger)
            for digest in Set(files.map(\.digest)).sorted() {
                try await Self.lockBlob(digest, tenantID: tenant.id, exclusive: false, on: connection, logger: logger)
            }
            let again = try await Self.proxied(under: directory, on: connection, logger: logger).filter { $0.path != directory }
            guard again == files else {
                throw CairnError(.invalidState, "The files under '\(directory)' changed while the version was registered; register it again.")
            }
            let paths = relative.map(\.value)
            try await connection.query(
                """
                INSERT INTO cairn.version_files (tenant_id, model_id, version, path, size, sha256, media_type, format, created_by)
                SELECT \(tenant.id), \(current.modelID), \(version), p, s, d, m, f, \(actor.username)
                FROM unnest(\(paths)::text[], \(files.map(\.size))::bigint[], \(files.map(\.digest.hex))::text[],
                            \(relative.map(ArtifactFormat.mediaType(for:)))::text[],
                            \(relative.map { ArtifactFormat.detect(path: $0, head: []).rawValue })::text[]) AS t(p, s, d, m, f)
                """, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "version_file.linked", objectType: "model_version", objectID: current.auditID,
                    after: .object(["source": .string(directory.value), "files": .number(Double(files.count))])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return files.count
        }
    }

    /// Refuses a write at, under or above a directory a version was registered from (the trigger of sql/0017 too).
    static func refuseFrozen(_ path: ArtifactPath, on connection: PostgresConnection, logger: Logger) async throws {
        let frozen = try await connection.query(
            """
            SELECT d.path FROM cairn.proxied_frozen_directories d
            WHERE starts_with(\(path.value), d.path || '/') OR d.path = \(path.value) OR starts_with(d.path, \(path.value + "/"))
            LIMIT 1
            """, logger: logger
        ).decode(String.self).first { _ in true }
        if let frozen {
            throw CairnError(
                .invalidState,
                "'\(frozen)' was registered as a model version and is frozen: what the version's users load stays what was registered. Upload to a new directory instead."
            )
        }
    }

    static func proxied(under path: ArtifactPath?, on connection: PostgresConnection, logger: Logger) async throws -> [ProxiedArtifact] {
        let rows =
            if let path {
                try await connection.query(
                    """
                    SELECT path, size, sha256, created_at, created_by FROM cairn.proxied_artifacts
                    WHERE path = \(path.value) OR path LIKE \(likePrefix(path)) ORDER BY path COLLATE "C"
                    """, logger: logger)
            } else {
                try await connection.query(
                    "SELECT path, size, sha256, created_at, created_by FROM cairn.proxied_artifacts ORDER BY path COLLATE \"C\"", logger: logger)
            }
        var found: [ProxiedArtifact] = []
        for try await (path, size, hex, createdAt, createdBy) in rows.decode((String, Int64, String, Date, String).self) {
            guard let digest = BlobDigest(hex: hex) else { continue }
            found.append(
                ProxiedArtifact(path: try ArtifactPath(decoded: path), size: size, digest: digest, createdAt: createdAt, createdBy: createdBy))
        }
        return found
    }

    /// `LIKE` pattern for everything under `path` (its `%`, `_` and `\` escaped).
    static func likePrefix(_ path: ArtifactPath) -> String {
        path.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            + "/%"
    }

    static func ancestors(of path: ArtifactPath) -> [String] {
        let segments = path.segments
        return (1..<max(segments.count, 1)).map { segments.prefix($0).joined(separator: "/") }
    }

    static func auditJSON(_ artifact: ProxiedArtifact) -> JSONValue {
        .object(["path": .string(artifact.path.value), "sha256": .string(artifact.digest.hex), "size": .number(Double(artifact.size))])
    }
}
