public import CairnCore
import Foundation
public import Logging
import Metrics
public import ServiceLifecycle

/// Delivers queued webhook messages. Runs in every replica: each pass leases due deliveries from the database (rows
/// another replica holds are skipped), sends them concurrently, and settles each — delivered, retried later, or
/// dead-lettered. A replica that dies mid-send loses only its lease; the delivery falls due again.
public struct WebhookDispatcher<C: Clock>: Service where C.Duration == Duration {
    public struct Settings: Sendable {
        public var schedule: RetrySchedule
        public var timeout: Duration
        /// Deliveries in flight at once in this replica.
        public var concurrency: Int
        /// How long to wait for new work when the queue is empty.
        public var pollInterval: Duration
        /// Deliver only these tenants' messages (a dispatcher dedicated to them); nil for all.
        public var tenants: [TenantSlug]?

        public init(schedule: RetrySchedule, timeout: Duration, concurrency: Int, pollInterval: Duration, tenants: [TenantSlug]? = nil) {
            self.schedule = schedule
            self.timeout = timeout
            self.concurrency = concurrency
            self.pollInterval = pollInterval
            self.tenants = tenants
        }

        /// Long enough for a send to finish and be settled; a lease that runs out makes the delivery due again.
        var lease: Duration { timeout * 2 + .seconds(30) }
        /// A pass's sends are bounded by `timeout` and its database calls take milliseconds; one that is still
        /// running after this has hung and is abandoned (its leases run out later).
        var passLimit: Duration { timeout + .seconds(5) }
        /// How often the queue's depth is counted for /metrics.
        public var queueSampleInterval: Duration = .seconds(15)
    }

    let store: any WebhookStore
    let transport: any WebhookTransport
    let settings: Settings
    let clock: C
    let logger: Logger

    public init(store: any WebhookStore, transport: any WebhookTransport, settings: Settings, clock: C, logger: Logger) {
        self.store = store
        self.transport = transport
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelOnGracefulShutdown {
            var nextSample = clock.now
            while !Task.isCancelled {
                if clock.now >= nextSample {
                    await sampleQueue()
                    nextSample = clock.now.advanced(by: settings.queueSampleInterval)
                }
                // A pass that hangs (a database call that never returns) is abandoned so delivery goes on; its
                // leases run out and the deliveries fall due again.
                let sent = (try? await abandoning(after: settings.passLimit) { await runOnce() }) ?? nil
                if sent == nil, !Task.isCancelled { logger.error("a webhook dispatch pass hung; abandoned it and carrying on") }
                if sent ?? 0 == 0 {
                    do {
                        try await clock.sleep(for: settings.pollInterval)
                    } catch {
                        return
                    }
                }
            }
        }
    }

    /// Records the queue's depth (all tenants) for /metrics: one count every `queueSampleInterval`, in one replica or
    /// in each, never per scrape.
    func sampleQueue() async {
        guard let totals = try? await store.queueTotals(logger: logger) else { return }
        DispatcherMetrics.pending.record(totals.pending)
        DispatcherMetrics.due.record(totals.due)
        DispatcherMetrics.dead.record(totals.dead)
        DispatcherMetrics.oldestDue.record(totals.oldestDueSeconds)
    }

    /// One lease-send-settle pass; returns how many deliveries it attempted.
    @discardableResult
    public func runOnce() async -> Int {
        let claimed: [ClaimedDelivery]
        do {
            claimed = try await store.claimDueDeliveries(
                limit: settings.concurrency, lease: settings.lease, tenants: settings.tenants, logger: logger)
        } catch {
            logger.warning("webhook dispatcher could not lease deliveries", metadata: ["error": "\(String(reflecting: error))"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed {
                group.addTask { await deliver(delivery) }
            }
        }
        return claimed.count
    }

    func deliver(_ claimed: ClaimedDelivery) async {
        var logger = self.logger
        logger[metadataKey: "cairn.webhook"] = "\(claimed.webhookID)"
        logger[metadataKey: "cairn.delivery"] = "\(claimed.deliveryID)"
        let started = Date()
        let startedAt = ContinuousClock.now
        var status: Int?
        var failure: String?
        var excerpt: String?
        var retryAfter: Duration?
        do {
            let url = try WebhookURL(claimed.url)
            let timestamp = Int(started.timeIntervalSince1970)
            let message = try claimed.message(timestamp: timestamp)
            let request = WebhookRequest(url: url, headers: message.headers, body: message.body, timeout: settings.timeout)
            let response = try await transport.send(request, logger: logger)
            status = response.status
            excerpt = response.excerpt.isEmpty ? nil : response.excerpt
            retryAfter = response.header("Retry-After").flatMap { RetrySchedule.parseRetryAfter($0, now: Date()) }
            if (300..<400).contains(response.status) {
                failure = "redirect to \(response.header("Location")?.prefix(300) ?? "nowhere") not followed"
            }
        } catch let error as CairnError {
            failure = error.message
        } catch {
            failure = String(describing: error)
        }
        let elapsed = ContinuousClock.now - startedAt
        DispatcherMetrics.attempt(succeeded: status.map { (200..<300).contains($0) } ?? false, elapsed: elapsed)
        let attempt = DeliveryAttempt(
            number: claimed.attempt, at: started,
            durationMilliseconds: Int(elapsed.seconds * 1000),
            status: status, error: failure.map { String($0.prefix(1000)) }, response: excerpt)
        var random = SystemRandomNumberGenerator()
        let retryIn = attempt.succeeded ? nil : settings.schedule.delay(afterAttempt: claimed.attemptInRound, retryAfter: retryAfter, using: &random)
        do {
            try await store.settle(claimed, attempt: attempt, retryIn: retryIn, logger: logger)
        } catch {
            // The attempt as the receiver answered could not be stored: record it bare (status and a fixed note) so
            // the delivery still moves on — retried on schedule, dead-lettered once its attempts are spent.
            logger.error("could not record a webhook attempt; recording it without the answer", metadata: ["error": "\(String(reflecting: error))"])
            let bare = DeliveryAttempt(
                number: attempt.number, at: attempt.at, durationMilliseconds: attempt.durationMilliseconds, status: attempt.status,
                error: attempt.succeeded ? nil : "the receiver's answer could not be recorded", response: nil)
            do {
                try await store.settle(claimed, attempt: bare, retryIn: retryIn, logger: logger)
            } catch {
                logger.error(
                    "could not record a webhook attempt; it falls due again when its lease ends",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
            return
        }
        if attempt.succeeded {
            logger.debug("webhook delivered", metadata: ["cairn.status": "\(status ?? 0)", "cairn.attempt": "\(claimed.attempt)"])
        } else if let retryIn {
            logger.info(
                "webhook attempt failed; will retry",
                metadata: ["cairn.status": "\(status.map(String.init) ?? "-")", "error": "\(failure ?? "")", "cairn.retry_in": "\(retryIn)"])
        } else {
            logger.warning(
                "webhook delivery dead-lettered after \(claimed.attemptInRound) attempts",
                metadata: ["cairn.status": "\(status.map(String.init) ?? "-")", "error": "\(failure ?? "")"])
        }
    }
}

/// Webhook delivery as swift-metrics records it.
enum DispatcherMetrics {
    static let pending = Gauge(label: "cairn_webhooks_pending")
    static let due = Gauge(label: "cairn_webhooks_due")
    static let dead = Gauge(label: "cairn_webhooks_dead")
    static let oldestDue = Gauge(label: "cairn_webhooks_oldest_due_seconds")
    static let delivered = Counter(label: "cairn_webhook_attempts_total", dimensions: [("outcome", "delivered")])
    static let failed = Counter(label: "cairn_webhook_attempts_total", dimensions: [("outcome", "failed")])
    static let duration = Timer(label: "cairn_webhook_attempt_duration_seconds")

    static func attempt(succeeded: Bool, elapsed: Duration) {
        (succeeded ? delivered : failed).increment()
        duration.record(duration: elapsed)
    }
}
