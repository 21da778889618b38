public import Foundation
public import Logging

/// The registry's record of version files (PostgreSQL), coordinated with the blob store through locks on each
/// (tenant, digest) pair: publishing a blob and recording its file take a shared lock, collecting an unreferenced
/// blob takes it exclusively — so a blob that is about to be referenced is never collected.
public protocol ArtifactStore: Sendable {
    func files(version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> VersionFiles
    func file(_ path: ArtifactPath, version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> VersionFile
    /// Refuses early (before any byte is stored) if the version cannot take a file at `path`.
    func checkCanAttach(_ path: ArtifactPath, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, logger: Logger)
        async throws
    /// In one transaction: locks the version, re-checks it accepts the file, calls `publish` under the blob's shared
    /// lock, records (or replaces) the file and audits. Returns the file and whether it replaced another.
    func attach(
        _ file: NewVersionFile, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, by actor: Actor,
        publish: @Sendable () async throws -> Void, logger: Logger
    ) async throws -> (file: VersionFile, replaced: Bool)
    func detach(_ path: ArtifactPath, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
    /// Marks the version READY (freezing its files) after `verify` accepted them; a READY version is returned as is.
    func finalize(
        version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, verify: @Sendable ([VersionFile]) async throws -> Void,
        logger: Logger
    ) async throws -> (version: ModelVersion, changed: Bool)

    /// Every blob the tenant's files reference, with the length it must have.
    func referencedBlobs(in tenant: Tenant, logger: Logger) async throws -> [BlobDigest: Int64]
    /// Under the blob's exclusive lock (skipped, returning false, if an upload holds it): if no file references
    /// `digest`, calls `remove` and returns true.
    func collectIfUnreferenced(_ digest: BlobDigest, in tenant: Tenant, remove: @Sendable () async throws -> Void, logger: Logger) async throws
        -> Bool
    /// Stores sweep results; an intact → missing/corrupt change is audited.
    func recordIntegrity(_ results: [BlobDigest: BlobIntegrity.State], in tenant: Tenant, by actor: Actor, logger: Logger) async throws
    func brokenFiles(in tenant: Tenant, logger: Logger) async throws -> [BrokenFile]
    /// Runs `body` only if no other replica is maintaining this tenant's artifacts; returns nil when one is.
    func exclusiveMaintenance<T: Sendable>(of tenant: Tenant, logger: Logger, _ body: @Sendable () async throws -> T) async throws -> T?

    // MLflow's artifact proxy: a tenant-wide tree of files, outside any version until one is registered from it.

    /// Every proxied file at `path` or under it (nil: the whole tree), in byte order of path.
    func proxiedArtifacts(under path: ArtifactPath?, in tenant: Tenant, logger: Logger) async throws -> [ProxiedArtifact]
    /// Records (or replaces) the file at `path`, calling `publish` under the blob's shared lock; audited.
    func recordProxied(
        _ path: ArtifactPath, blob: StoredBlob, in tenant: Tenant, by actor: Actor, publish: @Sendable () async throws -> Void, logger: Logger
    ) async throws -> ProxiedArtifact
    /// Removes the file at `path`, or everything under it when it is a directory; returns the digests released.
    func deleteProxied(_ path: ArtifactPath, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> [BlobDigest]
    /// Makes the proxied files under `directory` the files of a version still being registered (same blobs, paths
    /// relative to `directory`); returns how many.
    func linkProxied(
        _ directory: ArtifactPath, version: Int, of modelName: String, maxFiles: Int, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> Int
}
