public import CairnCore
public import Foundation
import Synchronization

/// Failed-login throttling for this replica: one throttle keyed by the login name as the directory compares it (so
/// "alice", " alice" and "ALICE" share one budget), one by client address (which allows more failures, since many
/// people may share an address). Held under a `Mutex`: every request passes here, and a lock held for a
/// dictionary look-up costs less than a hop to an actor.
public final class LoginThrottles: Sendable {
    private struct State {
        var users: LoginThrottle
        var addresses: LoginThrottle
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Date

    public init(user: LoginThrottle.Policy, address: LoginThrottle.Policy, now: @escaping @Sendable () -> Date = Date.init) {
        state = Mutex(State(users: LoginThrottle(policy: user), addresses: LoginThrottle(policy: address)))
        self.now = now
    }

    /// Refuses with 429 while either the user name or the address is waiting out a delay.
    public func admit(username: String?, address: String) throws(CairnError) {
        let now = now()
        let user = username.map { LoginName($0).key }
        let waits = state.withLock { state in
            [user.flatMap { state.users.wait(for: $0, now: now) }, state.addresses.wait(for: address, now: now)].compactMap { $0 }
        }
        guard let longest = waits.max() else { return }
        let seconds = Int(longest.components.seconds) + (longest.components.attoseconds > 0 ? 1 : 0)
        throw CairnError(.requestLimitExceeded, "Too many failed logins; try again in \(seconds) s.", retryAfter: max(1, seconds))
    }

    public func failed(username: String?, address: String) {
        let now = now()
        let user = username.map { LoginName($0).key }
        state.withLock { state in
            if let user { state.users.recordFailure(user, now: now) }
            state.addresses.recordFailure(address, now: now)
        }
    }

    public func succeeded(username: String) {
        let user = LoginName(username).key
        state.withLock { $0.users.recordSuccess(user) }
    }
}
