public import CairnApp
public import CairnCore
public import Foundation
public import Logging
import Metrics

/// Carries out a tenant's retention run: claims it (planning and recording the plan, or taking over an abandoned
/// run), then works through it batch by batch, each a short transaction, and collects the content purged versions
/// no longer need. Used by the scheduler in every replica and by `cairn retention run`.
public struct RetentionRunner: Sendable {
    public struct Settings: Sendable {
        /// Actions per transaction: keeps row locks and the audit chain's head lock short.
        public var batchSize: Int
        /// How long a holder may go without finishing a batch before another may take the run over.
        public var lease: Duration

        public init(batchSize: Int = 500, lease: Duration = .seconds(300)) {
            self.batchSize = batchSize
            self.lease = lease
        }
    }

    let store: any RetentionStore
    let artifacts: ArtifactService?
    let settings: Settings
    /// Who holds runs this runner claims (a replica or a command).
    public let owner: String
    let now: @Sendable () -> Date

    public init(
        store: any RetentionStore, artifacts: ArtifactService?, settings: Settings, owner: String, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.artifacts = artifacts
        self.settings = settings
        self.owner = owner
        self.now = now
    }

    /// Claims and carries out a run; nil when there was nothing to claim (not due, or another holder has it).
    /// `afterBatch` runs after each committed batch (progress reports).
    public func run(
        _ kind: RetentionClaim.Kind, tenant: Tenant, logger: Logger, afterBatch: @Sendable (RetentionRun) async throws -> Void = { _ in }
    ) async throws -> RetentionRun? {
        var logger = logger
        logger[metadataKey: "cairn.tenant"] = "\(tenant.slug)"
        let claim = RetentionClaim(kind: kind, owner: owner, now: now(), lease: settings.lease)
        guard var run = try await store.claim(claim, in: tenant, logger: logger) else { return nil }
        let started = ContinuousClock.now
        defer { RetentionMetrics.runDuration.record(duration: ContinuousClock.now - started) }
        logger[metadataKey: "cairn.run"] = "\(run.id)"
        while run.state == .running {
            try Task.checkCancellation()
            let step: RetentionStep
            do {
                step = try await store.step(
                    run, owner: owner, now: now(), lease: settings.lease, batchSize: settings.batchSize, in: tenant, logger: logger)
            } catch let lost as RetentionLeaseLost {
                logger.warning("another holder took the retention run over; leaving it to them", metadata: ["error": "\(lost)"])
                return nil
            } catch {
                // Give the run back at once so the next claim resumes it; a run that keeps failing is given up on.
                try? await store.release(run, owner: owner, error: String(describing: error), now: now(), in: tenant, logger: logger)
                throw error
            }
            await artifacts?.collectPurged(step.purgedBlobs, in: tenant, logger: logger)
            run = step.run
            if step.processed == 0, run.state == .running { return run }  // the rest is locked by another holder
            try await afterBatch(run)
        }
        return run
    }
}

/// Retention as swift-metrics records it: how long each claimed run took in this replica (until it finished, was
/// handed over, or failed).
enum RetentionMetrics {
    static let runDuration = Timer(label: "cairn_retention_run_duration_seconds")
}
