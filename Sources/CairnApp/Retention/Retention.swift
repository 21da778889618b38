public import CairnCore
public import Foundation
import Logging

/// Retention policies, their previews and recorded runs, and purging by hand — purge first, then collect the
/// content the purge released.
public struct Retention: Sendable {
    let store: any RetentionStore
    let artifacts: ArtifactService

    public init(store: any RetentionStore, artifacts: ArtifactService) {
        self.store = store
        self.artifacts = artifacts
    }

    public func policy(_ scope: RequestScope) async throws -> StoredRetentionPolicy? {
        try await store.policy(in: scope.tenant, logger: scope.logger)
    }

    public func setPolicy(_ policy: RetentionPolicy, _ scope: RequestScope) async throws -> StoredRetentionPolicy {
        let stored = try await store.setPolicy(policy, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info(
            "retention policy saved", metadata: ["cairn.revision": "\(stored.revision)", "cairn.rules": "\(stored.policy.rules.count)"])
        return stored
    }

    /// What the stored policy (or `draft`) would do now; changes nothing.
    public func preview(_ draft: RetentionPolicy?, _ scope: RequestScope) async throws -> RetentionPreview {
        try await store.preview(draft, now: Date(), in: scope.tenant, logger: scope.logger)
    }

    public func runs(before: RetentionRunCursor?, limit: Int, _ scope: RequestScope) async throws
        -> (runs: [RetentionRun], next: RetentionRunCursor?)
    {
        try await store.runs(in: scope.tenant, before: before, limit: limit, logger: scope.logger)
    }

    public func run(_ id: UUID, actionsAfter seq: Int, limit: Int, _ scope: RequestScope) async throws
        -> (run: RetentionRun, actions: [RecordedRetentionAction], next: Int?)
    {
        try await store.run(id, actionsAfter: seq, limit: limit, in: scope.tenant, logger: scope.logger)
    }

    /// Purges an archived, unprotected version's files, then collects the blobs nothing else references. The
    /// purge is committed first, so a failed collection leaves only garbage the sweep removes.
    public func purge(_ version: Int, of model: String, comment: String?, _ scope: RequestScope) async throws -> ModelVersion {
        let checkedComment = try comment.map { text throws(CairnError) in try Limits.text(text, field: "comment", max: 5000) }
        let (purged, blobs) = try await store.purge(
            version, of: model, comment: checkedComment, in: scope.tenant, by: scope.actor, logger: scope.logger)
        await artifacts.collectPurged(blobs, in: scope.tenant, logger: scope.logger)
        scope.logger.info("version purged by hand", metadata: ["cairn.model": "\(purged.modelName)", "cairn.version": "\(purged.version)"])
        return purged
    }
}
