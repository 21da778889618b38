import CairnCore
import Foundation
import Hummingbird
import Logging

/// What /readyz reports and /metrics exposes: the database, the directory, the event listener and fan-out, and the
/// webhook queue.
struct Readiness {
    let ready: Bool
    let body: JSONObject

    static func check(_ dependencies: Dependencies, logger: Logger) async -> Readiness {
        async let database = dependencies.databaseReady(logger)
        async let directory = dependencies.directory.isHealthy(logger: logger)
        async let events = dependencies.events.status(logger)
        async let queue = try? dependencies.webhooks.store.queueTotals(logger: logger)
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
        return Readiness(ready: ready, body: body)
    }

    /// Prometheus text format: one gauge per number, `cairn_<section>_<key>`, plus up/down gauges.
    var prometheus: String {
        var lines = [
            "# TYPE cairn_ready gauge", "cairn_ready \(ready ? 1 : 0)",
            "# TYPE cairn_database_up gauge", "cairn_database_up \(body["database"] == .string("ok") ? 1 : 0)",
            "# TYPE cairn_directory_up gauge", "cairn_directory_up \(body["directory"] == .string("ok") ? 1 : 0)",
        ]
        for section in ["events", "webhooks"] {
            guard case .object(let details)? = body[section] else { continue }
            if section == "events", case .string(let listener)? = details["listener"] {
                lines += ["# TYPE cairn_events_listener_up gauge", "cairn_events_listener_up \(listener == "listening" ? 1 : 0)"]
            }
            for (key, value) in details.sorted(by: { $0.key < $1.key }) {
                guard case .number(let number) = value else { continue }
                let name = "cairn_\(section)_\(key)"
                lines += ["# TYPE \(name) gauge", "\(name) \(number)"]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
