import CairnCore
import Logging

/// Answers /readyz and /metrics from one check at most every `freshFor`, shared by every probe that arrives while it
/// runs: however many probes come (they need no credentials), the directory sees one service bind and the database
/// one queue count per interval, and logins keep the directory's admission slots. A failed check is not kept (the
/// next probe checks again, so recovery shows at once), but probes still share the one check in flight.
actor ReadinessProbe {
    private let freshFor: Duration
    private let check: @Sendable (Logger) async -> Readiness
    private var last: (at: ContinuousClock.Instant, readiness: Readiness)?
    private var running: Task<Readiness, Never>?

    init(freshFor: Duration, check: @escaping @Sendable (Logger) async -> Readiness) {
        self.freshFor = freshFor
        self.check = check
    }

    func current(logger: Logger) async -> Readiness {
        if let last, ContinuousClock.now - last.at < freshFor { return last.readiness }
        if let running { return await running.value }
        let check = self.check
        let task = Task { await check(logger) }
        running = task
        let readiness = await task.value
        last = readiness.ready ? (ContinuousClock.now, readiness) : nil
        running = nil
        return readiness
    }
}
