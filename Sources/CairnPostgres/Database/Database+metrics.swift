import Logging
import Metrics

/// The connection pool's load as swift-metrics records it: transactions waiting for or holding a connection, and
/// how long each took from asking for a connection to commit or rollback.
enum PoolMetrics {
    static let inFlight = Meter(label: "cairn_db_transactions_in_flight")
    static let duration = Timer(label: "cairn_db_transaction_duration_seconds")
    static let failed = Counter(label: "cairn_db_transactions_failed_total")
}

extension Database {
    func measured<Result: Sendable>(logger: Logger, _ body: () async throws -> Result) async throws -> Result {
        PoolMetrics.inFlight.increment()
        let started = ContinuousClock.now
        defer {
            PoolMetrics.inFlight.decrement()
            let elapsed = (ContinuousClock.now - started).components
            PoolMetrics.duration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
        do {
            return try await translatingErrors(logger: logger, body)
        } catch {
            PoolMetrics.failed.increment()
            throw error
        }
    }
}
