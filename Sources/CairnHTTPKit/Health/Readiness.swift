public import CairnCore
import Foundation
public import Logging
import Metrics

/// What /readyz asks: the database, the directory, the event listener and fan-out, and the webhook queue.
public struct HealthChecks: Sendable {
    public var database: @Sendable (Logger) async -> Bool
    public var directory: @Sendable (Logger) async -> Bool
    /// Details of the listener, PostgreSQL's notification queue and how far this replica's subscribers lag.
    public var events: @Sendable (Logger) async -> JSONObject
    public var webhookQueue: @Sendable (Logger) async -> WebhookQueueTotals?
    /// How long one check answers every probe.
    public var freshness: Duration

    public init(
        database: @escaping @Sendable (Logger) async -> Bool, directory: @escaping @Sendable (Logger) async -> Bool,
        events: @escaping @Sendable (Logger) async -> JSONObject = { _ in [:] },
        webhookQueue: @escaping @Sendable (Logger) async -> WebhookQueueTotals? = { _ in nil }, freshness: Duration = .seconds(2)
    ) {
        self.database = database
        self.directory = directory
        self.events = events
        self.webhookQueue = webhookQueue
        self.freshness = freshness
    }
}

/// The answer of one readiness check.
struct Readiness {
    let ready: Bool
    let body: JSONObject

    static func check(_ checks: HealthChecks, logger: Logger) async -> Readiness {
        async let database = checks.database(logger)
        async let directory = checks.directory(logger)
        async let events = checks.events(logger)
        async let queue = checks.webhookQueue(logger)
        let (databaseUp, directoryUp, eventDetails, webhookQueue) = await (database, directory, events, queue)
        let ready = databaseUp && directoryUp
        var body: JSONObject = [
            "status": .string(ready ? "ready" : "unavailable"), "database": .string(databaseUp ? "ok" : "unreachable"),
            "directory": .string(directoryUp ? "ok" : "unreachable"),
        ]
        if !eventDetails.isEmpty { body["events"] = .object(eventDetails) }
        if let webhookQueue {
            body["webhooks"] = .object([
                "pending": .number(Double(webhookQueue.pending)), "due": .number(Double(webhookQueue.due)),
                "dead": .number(Double(webhookQueue.dead)), "oldest_due_seconds": .number(webhookQueue.oldestDueSeconds),
            ])
        }
        HealthMetrics.ready.record(ready ? 1 : 0)
        HealthMetrics.database.record(databaseUp ? 1 : 0)
        HealthMetrics.directory.record(directoryUp ? 1 : 0)
        return Readiness(ready: ready, body: body)
    }
}

/// The last readiness check's answer, as swift-metrics gauges (set by the check, which /readyz probes run).
enum HealthMetrics {
    static let ready = Gauge(label: "cairn_ready")
    static let database = Gauge(label: "cairn_database_up")
    static let directory = Gauge(label: "cairn_directory_up")
}
