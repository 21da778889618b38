public import CairnCore
public import Foundation

/// Failed-login throttling for this replica: one throttle keyed by the login name as the directory compares it (so
/// "alice", " alice" and "ALICE" share one budget), one by client address (which allows more failures, since many
/// people may share an address).
public actor LoginThrottles {
    private var users: LoginThrottle
    private var addresses: LoginThrottle
    private let now: @Sendable () -> Date

    public init(user: LoginThrottle.Policy, address: LoginThrottle.Policy, now: @escaping @Sendable () -> Date = Date.init) {
        users = LoginThrottle(policy: user)
        addresses = LoginThrottle(policy: address)
        self.now = now
    }

    /// Refuses with 429 while either the user name or the address is waiting out a delay.
    func admit(username: String?, address: String) throws(CairnError) {
        let now = now()
        let waits = [username.flatMap { users.wait(for: LoginName($0).key, now: now) }, addresses.wait(for: address, now: now)].compactMap { $0 }
        guard let longest = waits.max() else { return }
        let seconds = Int(longest.components.seconds) + (longest.components.attoseconds > 0 ? 1 : 0)
        throw CairnError(.requestLimitExceeded, "Too many failed logins; try again in \(seconds) s.", retryAfter: max(1, seconds))
    }

    func failed(username: String?, address: String) {
        let now = now()
        if let username { users.recordFailure(LoginName(username).key, now: now) }
        addresses.recordFailure(address, now: now)
    }

    func succeeded(username: String) {
        users.recordSuccess(LoginName(username).key)
    }
}
