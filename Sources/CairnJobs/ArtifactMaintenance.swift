public import CairnApp
public import CairnCore
public import Logging
public import ServiceLifecycle

/// The periodic integrity sweep and garbage collection of every tenant's artifacts. Runs in every replica; a
/// per-tenant lock in the database lets one replica at a time work on a tenant, the others skip it.
public struct ArtifactMaintenance<C: Clock>: Service where C.Duration == Duration {
    let tenants: any TenantStore
    let artifacts: ArtifactService
    let interval: Duration
    let abandonedAfter: Duration
    let clock: C
    let logger: Logger

    public static var actor: Actor { "system:artifact-maintenance" }

    public init(
        tenants: any TenantStore, artifacts: ArtifactService, interval: Duration, abandonedAfter: Duration, clock: C, logger: Logger
    ) {
        self.tenants = tenants
        self.artifacts = artifacts
        self.interval = interval
        self.abandonedAfter = abandonedAfter
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelOnGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return
                }
                await runOnce()
            }
        }
    }

    /// One pass over every tenant. Failures are logged per tenant and do not stop the others.
    @discardableResult
    public func runOnce() async -> [MaintenanceOutcome] {
        let all: [Tenant]
        do {
            all = try await tenants.allTenants(logger: logger)
        } catch {
            logger.warning("artifact maintenance could not list tenants", metadata: ["error": "\(String(reflecting: error))"])
            return []
        }
        var outcomes: [MaintenanceOutcome] = []
        for tenant in all where !Task.isCancelled {
            do {
                let artifacts = self.artifacts
                let (logger, abandonedAfter) = (self.logger, self.abandonedAfter)
                let done = try await artifacts.store.exclusiveMaintenance(of: tenant, logger: logger) {
                    let integrity = try await artifacts.verify(tenant, by: Self.actor, logger: logger)
                    let garbage = try await artifacts.collectGarbage(tenant, abandonedAfter: abandonedAfter, logger: logger)
                    return MaintenanceOutcome(tenant: tenant.slug, integrity: integrity, garbage: garbage)
                }
                if let done { outcomes.append(done) }
            } catch {
                logger.error(
                    "artifact maintenance failed", metadata: ["cairn.tenant": "\(tenant.slug)", "error": "\(String(reflecting: error))"])
            }
        }
        return outcomes
    }
}

public struct MaintenanceOutcome: Sendable {
    public let tenant: TenantSlug
    public let integrity: IntegrityReport
    public let garbage: GarbageReport
}
