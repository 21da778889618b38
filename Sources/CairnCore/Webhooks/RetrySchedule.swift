public import Foundation

/// When a failed delivery is tried again: exponential backoff from `base`, capped at `cap`, with jitter (each delay
/// drawn between half and all of its nominal value, so receivers coming back up are not hit by every sender at once),
/// never sooner than the receiver's `Retry-After`. After `maxAttempts` attempts the delivery is dead-lettered.
public struct RetrySchedule: Sendable, Equatable {
    public let maxAttempts: Int
    public let base: Duration
    public let cap: Duration
    /// The longest `Retry-After` honoured; a receiver asking for more gets this.
    public let retryAfterLimit: Duration

    public init(maxAttempts: Int, base: Duration, cap: Duration, retryAfterLimit: Duration = .seconds(86_400)) throws(CairnError) {
        guard (1...100).contains(maxAttempts) else { throw .invalid("webhooks.max_attempts must be between 1 and 100.") }
        guard base > .zero, cap >= base else { throw .invalid("Webhook retry delays must be positive, the cap no smaller than the base.") }
        self.maxAttempts = maxAttempts
        self.base = base
        self.cap = cap
        self.retryAfterLimit = retryAfterLimit
    }

    /// The wait before the next attempt after `attempt` (1-based, counted within the current round) failed, or nil
    /// when the attempts are spent.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, using random: inout some RandomNumberGenerator) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let nominal = min(cap, base * Double(1 << UInt64(min(attempt - 1, 40))))
        let jittered = nominal * Double.random(in: 0.5...1.0, using: &random)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, retryAfterLimit))
    }

    /// A `Retry-After` value: delay-seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSince(now) * 1000)))
    }
}
