public import CairnCore
import Logging

/// A version's files as callers use them: upload, read, delete, finalize (the only way to READY for a version with
/// files: every file's content is checked first).
public struct Files: Sendable {
    public let service: ArtifactService

    public init(service: ArtifactService) {
        self.service = service
    }

    public var blobs: any BlobStore { service.blobs }

    public func upload<Body: AsyncSequence & Sendable>(
        _ body: Body, to path: ArtifactPath, declaredLength: Int64?, expected: BlobDigest?, version: Int, of model: String,
        _ scope: RequestScope
    ) async throws -> (file: VersionFile, replaced: Bool) where Body.Element: Collection<UInt8> & Sendable {
        let result = try await service.upload(
            body, to: path, declaredLength: declaredLength, expected: expected, version: version, of: model, in: scope.tenant,
            by: scope.actor, logger: scope.logger)
        scope.logger.info(
            "version file stored",
            metadata: ["cairn.path": "\(result.file.path)", "cairn.size": "\(result.file.size)", "cairn.sha256": "\(result.file.digest.hex)"])
        return result
    }

    public func files(version: Int, of model: String, _ scope: RequestScope) async throws -> VersionFiles {
        try await service.store.files(version: version, of: model, in: scope.tenant, logger: scope.logger)
    }

    public func file(_ path: ArtifactPath, version: Int, of model: String, _ scope: RequestScope) async throws -> VersionFile {
        try await service.store.file(path, version: version, of: model, in: scope.tenant, logger: scope.logger)
    }

    public func delete(_ path: ArtifactPath, version: Int, of model: String, _ scope: RequestScope) async throws {
        try await service.store.detach(path, version: version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("version file deleted", metadata: ["cairn.path": "\(path)"])
    }

    public func finalize(version: Int, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        let (finalized, changed) = try await service.finalize(
            version: version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
        if changed {
            scope.logger.info(
                "version finalized",
                metadata: ["cairn.version": "\(finalized.version)", "cairn.files_digest": "\(finalized.filesDigest?.hex ?? "none")"])
        }
        return finalized
    }

    public func brokenFiles(_ scope: RequestScope) async throws -> [BrokenFile] {
        try await service.store.brokenFiles(in: scope.tenant, logger: scope.logger)
    }
}
