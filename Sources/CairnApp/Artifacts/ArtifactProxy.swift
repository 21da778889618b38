public import CairnCore
import Logging

/// MLflow's artifact proxy over Cairn's content-addressed store: a tenant-wide tree the client writes before it
/// registers a version, and the registration that turns a directory of it into a version's files (same blobs).
public struct ArtifactProxy: Sendable {
    let service: ArtifactService
    let registry: Registry
    let files: Files

    public init(service: ArtifactService, registry: Registry, files: Files) {
        self.service = service
        self.registry = registry
        self.files = files
    }

    public var blobs: any BlobStore { service.blobs }

    /// The file at `path`, or nil when `path` is a directory or absent (MLflow lists both the same way).
    public func file(_ path: ArtifactPath, _ scope: RequestScope) async throws -> ProxiedArtifact? {
        try await service.store.proxiedArtifacts(under: path, in: scope.tenant, logger: scope.logger).first { $0.path == path }
    }

    /// One level under `directory` (nil: the root).
    public func list(_ directory: ArtifactPath?, _ scope: RequestScope) async throws -> ArtifactListing {
        let found = try await service.store.proxiedArtifacts(under: directory, in: scope.tenant, logger: scope.logger)
        return ArtifactListing(found, under: directory)
    }

    public func store<Body: AsyncSequence & Sendable>(_ body: Body, at path: ArtifactPath, declaredLength: Int64?, _ scope: RequestScope)
        async throws -> ProxiedArtifact where Body.Element: Collection<UInt8> & Sendable
    {
        let stored = try await service.storeProxied(
            body, at: path, declaredLength: declaredLength, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("proxied artifact stored", metadata: ["cairn.path": "\(path)", "cairn.size": "\(stored.size)"])
        return stored
    }

    /// Removes the file or directory; content no version references any more is collected at once.
    public func delete(_ path: ArtifactPath, _ scope: RequestScope) async throws {
        let released = try await service.store.deleteProxied(path, in: scope.tenant, by: scope.actor, logger: scope.logger)
        await service.collectPurged(released, in: scope.tenant, logger: scope.logger)
    }

    /// Registers a version whose source is a directory of the proxied tree: its files become the version's files
    /// (same blobs, no copy), checked by finalize, and the version is READY. With nothing under the directory it is
    /// a plain registration. If linking or finalizing fails, the half-registered version is removed again (its
    /// number is not given out twice), so no PENDING version is left for the client to wait on.
    public func register(_ version: NewModelVersion, of model: String, linking directory: ArtifactPath, _ scope: RequestScope) async throws
        -> ModelVersion
    {
        let present = try await service.store.proxiedArtifacts(under: directory, in: scope.tenant, logger: scope.logger)
        guard present.contains(where: { $0.path != directory }) else { return try await registry.register(version, of: model, scope) }
        let pending = try await registry.register(try version.pending(), of: model, scope)
        do {
            _ = try await service.store.linkProxied(
                directory, version: pending.version, of: pending.modelName, maxFiles: service.limits.maxFilesPerVersion, in: scope.tenant,
                by: scope.actor, logger: scope.logger)
            return try await files.finalize(version: pending.version, of: pending.modelName, scope)
        } catch {
            try? await registry.deleteVersion(pending.version, of: pending.modelName, scope)
            throw error
        }
    }
}
