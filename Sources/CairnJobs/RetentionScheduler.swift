public import CairnCore
import Foundation
public import Logging
public import ServiceLifecycle

/// Runs every tenant's retention policy once per interval. Every replica runs one: each tick asks which tenants are
/// due and claims their runs; a claim is exclusive (the policy row's lock, one run per schedule slot), so with N
/// replicas each tenant still runs once per slot, and a run whose holder died is resumed by the next tick after its
/// lease runs out.
public struct RetentionScheduler<C: Clock>: Service where C.Duration == Duration {
    let store: any RetentionStore
    let runner: RetentionRunner
    let interval: Duration
    /// Run only these tenants' policies (a replica dedicated to them); nil for all.
    let tenants: [TenantSlug]?
    let clock: C
    let logger: Logger

    public init(
        store: any RetentionStore, runner: RetentionRunner, interval: Duration, tenants: [TenantSlug]? = nil, clock: C, logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.interval = interval
        self.tenants = tenants
        self.clock = clock
        self.logger = logger
    }

    /// How often to look for due tenants: often enough that a run starts soon after its slot.
    var tick: Duration { min(max(interval / 4, .milliseconds(250)), .seconds(60)) }

    public func run() async throws {
        await cancelOnGracefulShutdown {
            while !Task.isCancelled {
                await runOnce()
                do {
                    try await clock.sleep(for: tick)
                } catch {
                    return
                }
            }
        }
    }

    /// One tick: every due tenant's run, carried out to the end; returns the runs this replica carried out.
    @discardableResult
    public func runOnce() async -> [RetentionRun] {
        let due: [Tenant]
        do {
            due = try await store.tenantsDue(at: runner.now(), only: tenants, logger: logger)
        } catch {
            logger.warning("retention: could not find due tenants", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
        var finished: [RetentionRun] = []
        for tenant in due {
            guard !Task.isCancelled else { break }
            do {
                if let run = try await runner.run(.schedule(interval: interval), tenant: tenant, logger: logger) { finished.append(run) }
            } catch {
                logger.error(
                    "retention run failed; the next tick resumes it",
                    metadata: ["cairn.tenant": "\(tenant.slug)", "error": "\(String(reflecting: error))"])
            }
        }
        return finished
    }
}
