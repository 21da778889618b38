public import CairnCore
public import Foundation
public import Logging

/// Version files: the blob store holds the bytes, the artifact store the record. Uploads stream straight to the
/// blob store; nothing becomes visible until the content is hashed, synced, checked against what the client
/// expected, published and recorded.
public struct ArtifactService: Sendable {
    public let blobs: any BlobStore
    public let store: any ArtifactStore
    public let limits: ArtifactLimits

    public init(blobs: any BlobStore, store: any ArtifactStore, limits: ArtifactLimits) {
        self.blobs = blobs
        self.store = store
        self.limits = limits
    }

    public func upload<Body: AsyncSequence & Sendable>(
        _ body: Body, to path: ArtifactPath, declaredLength: Int64?, expected: BlobDigest?, version: Int, of modelName: String,
        in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> (file: VersionFile, replaced: Bool) where Body.Element: Collection<UInt8> & Sendable {
        if let declaredLength, declaredLength > limits.maxFileSize { throw tooLarge }
        try await store.checkCanAttach(path, version: version, of: modelName, maxFiles: limits.maxFilesPerVersion, in: tenant, logger: logger)
        let upload = try await blobs.beginUpload(tenant: tenant.id)
        do {
            let (blob, head) = try await receive(body, into: upload)
            if let expected, expected != blob.digest {
                throw CairnError.invalid(
                    "The uploaded content's SHA-256 is \(blob.digest.hex), not the expected \(expected.hex); nothing was stored.")
            }
            if let declaredLength, declaredLength != blob.size {
                throw CairnError.invalid("Received \(blob.size) bytes but Content-Length said \(declaredLength); nothing was stored.")
            }
            let file = NewVersionFile(
                path: path, blob: blob, mediaType: ArtifactFormat.mediaType(for: path), format: ArtifactFormat.detect(path: path, head: head))
            let result = try await store.attach(
                file, version: version, of: modelName, maxFiles: limits.maxFilesPerVersion, in: tenant, by: actor,
                publish: { try await upload.publish() }, logger: logger)
            await upload.discard()
            return result
        } catch {
            await upload.discard()
            throw error
        }
    }

    /// A file of MLflow's artifact proxy: streamed, hashed and synced like a version file, then recorded at `path`.
    public func storeProxied<Body: AsyncSequence & Sendable>(
        _ body: Body, at path: ArtifactPath, declaredLength: Int64?, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> ProxiedArtifact where Body.Element: Collection<UInt8> & Sendable {
        if let declaredLength, declaredLength > limits.maxFileSize { throw tooLarge }
        let upload = try await blobs.beginUpload(tenant: tenant.id)
        do {
            let (blob, _) = try await receive(body, into: upload)
            if let declaredLength, declaredLength != blob.size {
                throw CairnError.invalid("Received \(blob.size) bytes but Content-Length said \(declaredLength); nothing was stored.")
            }
            let stored = try await store.recordProxied(
                path, blob: blob, in: tenant, by: actor, publish: { try await upload.publish() }, logger: logger)
            await upload.discard()
            return stored
        } catch {
            await upload.discard()
            throw error
        }
    }

    /// Streams the body into the upload within the configured time, refusing it as soon as it grows too large.
    private func receive<Body: AsyncSequence & Sendable>(_ body: Body, into upload: any BlobUpload) async throws -> (StoredBlob, [UInt8])
    where Body.Element: Collection<UInt8> & Sendable {
        let maxSize = limits.maxFileSize
        let tooLarge = self.tooLarge
        let timeout = limits.uploadTimeout
        return try await withThrowingTaskGroup(of: (StoredBlob, [UInt8])?.self) { group in
            group.addTask {
                var total: Int64 = 0
                var head: [UInt8] = []
                for try await chunk in body {
                    total += Int64(chunk.count)
                    guard total <= maxSize else { throw tooLarge }
                    if head.count < ArtifactFormat.headLength { head += chunk.prefix(ArtifactFormat.headLength - head.count) }
                    try await upload.write(chunk)
                }
                return (try await upload.finish(), head)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CairnError(
                    .deadlineExceeded, "The upload did not complete within \(timeout) (artifacts.upload_timeout_seconds); nothing was stored.")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw CairnError(.internalError, "The upload ended without a result.")
            }
            return result
        }
    }

    private var tooLarge: CairnError {
        CairnError(.requestTooLarge, "A file may be at most \(limits.maxFileSize) bytes (artifacts.max_file_size); nothing was stored.")
    }

    public func finalize(version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> (version: ModelVersion, changed: Bool)
    {
        let blobs = self.blobs
        return try await store.finalize(
            version: version, of: modelName, in: tenant, by: actor,
            verify: { files in
                for file in files {
                    let size = try await blobs.size(of: file.digest, tenant: tenant.id)
                    guard size == file.size else {
                        throw CairnError(
                            .invalidState,
                            "The content of '\(file.path)' is missing or damaged in the artifact store; upload it again, then finalize.")
                    }
                }
            }, logger: logger)
    }

    /// Re-hashes every blob the tenant's files reference and records what it finds.
    public func verify(_ tenant: Tenant, by actor: Actor, logger: Logger) async throws -> IntegrityReport {
        let referenced = try await store.referencedBlobs(in: tenant, logger: logger)
        var results: [BlobDigest: BlobIntegrity.State] = [:]
        for (digest, size) in referenced.sorted(by: { $0.key < $1.key }) {
            try Task.checkCancellation()
            results[digest] = try await blobs.check(digest, expectedSize: size, tenant: tenant.id)
        }
        try await store.recordIntegrity(results, in: tenant, by: actor, logger: logger)
        let broken = try await store.brokenFiles(in: tenant, logger: logger)
        logger.info(
            "artifact integrity checked",
            metadata: ["cairn.tenant": "\(tenant.slug)", "cairn.blobs": "\(results.count)", "cairn.broken_files": "\(broken.count)"])
        return IntegrityReport(checkedBlobs: results.count, intactBlobs: results.values.filter { $0 == .intact }.count, brokenFiles: broken)
    }

    /// Deletes those of `digests` that no live version references any more; returns how many.
    @discardableResult
    public func collect(_ digests: [BlobDigest], in tenant: Tenant, logger: Logger) async throws -> Int {
        let blobs = self.blobs
        var removed = 0
        for digest in Set(digests).sorted() {
            try Task.checkCancellation()
            let collected = try await store.collectIfUnreferenced(
                digest, in: tenant, remove: { try await blobs.remove(digest, tenant: tenant.id) }, logger: logger)
            if collected { removed += 1 }
        }
        return removed
    }

    /// After a purge: collects the content the purged versions released. A failure is only logged, because the
    /// purge is committed and the periodic sweep collects what is left.
    public func collectPurged(_ digests: [BlobDigest], in tenant: Tenant, logger: Logger) async {
        guard !digests.isEmpty else { return }
        do {
            try await collect(digests, in: tenant, logger: logger)
        } catch {
            logger.warning("could not collect purged content now; the artifact sweep will", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Deletes blobs no file references and uploads abandoned for longer than `abandonedAfter`.
    public func collectGarbage(_ tenant: Tenant, abandonedAfter: Duration, now: Date = Date(), logger: Logger) async throws -> GarbageReport {
        let onDisk = try await blobs.blobs(tenant: tenant.id)
        let referenced = try await store.referencedBlobs(in: tenant, logger: logger)
        let removed = try await collect(onDisk.map(\.digest).filter { referenced[$0] == nil }, in: tenant, logger: logger)
        let cutoff = now.addingTimeInterval(-Double(abandonedAfter.components.seconds))
        let abandoned = try await blobs.removeAbandonedUploads(tenant: tenant.id, olderThan: cutoff)
        logger.info(
            "artifact garbage collected",
            metadata: ["cairn.tenant": "\(tenant.slug)", "cairn.removed": "\(removed)", "cairn.abandoned_uploads": "\(abandoned)"])
        return GarbageReport(storedBlobs: onDisk.count, removedBlobs: removed, keptBlobs: onDisk.count - removed, abandonedUploads: abandoned)
    }
}

public struct IntegrityReport: Sendable, Equatable {
    public let checkedBlobs: Int
    public let intactBlobs: Int
    public let brokenFiles: [BrokenFile]
}

public struct GarbageReport: Sendable, Equatable {
    public let storedBlobs: Int
    public let removedBlobs: Int
    public let keptBlobs: Int
    public let abandonedUploads: Int
}
