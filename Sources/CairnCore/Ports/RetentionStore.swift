public import Foundation
public import Logging

/// Policies, plans and recorded runs of retention, and purging by hand.
public protocol RetentionStore: Sendable {
    func policy(in tenant: Tenant, logger: Logger) async throws -> StoredRetentionPolicy?
    func setPolicy(_ policy: RetentionPolicy, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> StoredRetentionPolicy
    /// The plan of the stored policy, or of `draft` when given, at `now`; changes nothing.
    func preview(_ draft: RetentionPolicy?, now: Date, in tenant: Tenant, logger: Logger) async throws -> RetentionPreview

    /// Tenants (of `only`, when given) whose schedule slot has come by `now`, or whose run was abandoned by its holder.
    func tenantsDue(at now: Date, only: [TenantSlug]?, logger: Logger) async throws -> [Tenant]
    /// Starts a run (planning it and recording the plan) or takes over an abandoned one; nil when there is nothing
    /// to do yet or another holder has it.
    func claim(_ claim: RetentionClaim, in tenant: Tenant, logger: Logger) async throws -> RetentionRun?
    /// Carries out the next batch of a held run in one transaction; the run's state says when it is finished.
    /// Throws `RetentionLeaseLost` if another holder took the run over.
    func step(_ run: RetentionRun, owner: String, now: Date, lease: Duration, batchSize: Int, in tenant: Tenant, logger: Logger)
        async throws -> RetentionStep
    /// Gives a run back after a failed batch: records the error and ends the lease, so the next claim resumes it
    /// (a run abandoned too often is marked failed).
    func release(_ run: RetentionRun, owner: String, error: String, now: Date, in tenant: Tenant, logger: Logger) async throws

    func runs(in tenant: Tenant, before: RetentionRunCursor?, limit: Int, logger: Logger) async throws -> (
        runs: [RetentionRun], next: RetentionRunCursor?
    )
    func run(_ id: UUID, actionsAfter seq: Int, limit: Int, in tenant: Tenant, logger: Logger) async throws -> (
        run: RetentionRun, actions: [RecordedRetentionAction], next: Int?
    )

    /// Purges an archived, unprotected version's files by hand (admins); returns the content it referenced.
    func purge(_ version: Int, of modelName: String, comment: String?, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> (
        version: ModelVersion, blobs: [BlobDigest]
    )
}

public struct RetentionRunCursor: Sendable, Equatable {
    public let startedAt: Date
    public let id: UUID

    public init(startedAt: Date, id: UUID) {
        self.startedAt = startedAt
        self.id = id
    }
}
