public import Foundation

/// Growing delays after failed logins, per key (a user name, a client address). The first `freeFailures` cost
/// nothing; each further failure doubles the wait, up to `maxDelay`. A success clears the key. Unknown and known
/// user names are treated the same, so the throttle reveals nothing about who exists.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var freeFailures: Int
        public var baseDelay: Duration
        public var maxDelay: Duration
        /// A key with no failure for this long is forgotten.
        public var forgetAfter: Duration

        public init(
            freeFailures: Int = 3, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), forgetAfter: Duration = .seconds(900)
        ) {
            self.freeFailures = freeFailures
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.forgetAfter = forgetAfter
        }
    }

    struct Entry: Sendable {
        var failures: Int
        var lastFailure: Date
        var blockedUntil: Date
    }

    public let policy: Policy
    private var entries: [String: Entry] = [:]

    public init(policy: Policy) {
        self.policy = policy
    }

    /// How long the caller must still wait before another attempt with this key, or nil if it may try now.
    public func wait(for key: String, now: Date) -> Duration? {
        guard let entry = entries[key], entry.blockedUntil > now else { return nil }
        return .milliseconds(Int64((entry.blockedUntil.timeIntervalSince(now) * 1000).rounded(.up)))
    }

    public mutating func recordFailure(_ key: String, now: Date) {
        var entry = entries[key] ?? Entry(failures: 0, lastFailure: now, blockedUntil: now)
        if now.timeIntervalSince(entry.lastFailure) > policy.forgetAfter.seconds { entry.failures = 0 }
        entry.failures += 1
        entry.lastFailure = now
        let excess = entry.failures - policy.freeFailures
        if excess > 0 {
            let delay = min(policy.baseDelay.seconds * pow(2, Double(min(excess - 1, 30))), policy.maxDelay.seconds)
            entry.blockedUntil = now.addingTimeInterval(delay)
        }
        entries[key] = entry
        if entries.count > 100_000 { prune(now: now) }
    }

    public mutating func recordSuccess(_ key: String) {
        entries[key] = nil
    }

    private mutating func prune(now: Date) {
        entries = entries.filter { now.timeIntervalSince($0.value.lastFailure) <= policy.forgetAfter.seconds }
    }
}
