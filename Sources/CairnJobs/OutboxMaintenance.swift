public import CairnCore
public import Foundation
public import Logging
public import ServiceLifecycle

/// Keeps the outbox and the webhook delivery log within their retention windows: every `interval`, removes events
/// and settled deliveries older than their windows, batch by batch. Every replica runs it; the deletes are
/// idempotent, so replicas racing each other only share the work.
public struct OutboxMaintenance<C: Clock>: Service where C.Duration == Duration {
    public struct Settings: Sendable {
        public var eventRetention: Duration
        public var deliveryRetention: Duration
        public var interval: Duration
        public var batch: Int
        /// Tenants to prune (nil: all).
        public var tenants: [UUID]?

        public init(eventRetention: Duration, deliveryRetention: Duration, interval: Duration, batch: Int = 5_000, tenants: [UUID]? = nil) {
            self.eventRetention = eventRetention
            self.deliveryRetention = deliveryRetention
            self.interval = interval
            self.batch = max(1, batch)
            self.tenants = tenants
        }
    }

    let store: any EventStore
    let settings: Settings
    let clock: C
    let now: @Sendable () -> Date
    let logger: Logger

    public init(store: any EventStore, settings: Settings, clock: C, now: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        await cancelOnGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: settings.interval)
                } catch {
                    return
                }
                _ = await runOnce()
            }
        }
    }

    /// One pass: batches until nothing old is left. Returns how many events and deliveries went.
    public func runOnce() async -> (events: Int, deliveries: Int) {
        var total = (events: 0, deliveries: 0)
        let started = now()
        let eventsBefore = started.addingTimeInterval(-settings.eventRetention.seconds)
        let deliveriesBefore = started.addingTimeInterval(-settings.deliveryRetention.seconds)
        while !Task.isCancelled {
            do {
                let removed = try await store.prune(
                    eventsBefore: eventsBefore, deliveriesBefore: deliveriesBefore, batch: settings.batch, tenants: settings.tenants,
                    logger: logger)
                total.events += removed.events
                total.deliveries += removed.deliveries
                if removed.events == 0 && removed.deliveries == 0 { break }
            } catch {
                logger.warning("outbox maintenance failed; will try again", metadata: ["error": "\(String(reflecting: error))"])
                break
            }
        }
        if total.events + total.deliveries > 0 {
            logger.info(
                "outbox pruned", metadata: ["cairn.events_removed": "\(total.events)", "cairn.deliveries_removed": "\(total.deliveries)"])
        }
        return total
    }
}
