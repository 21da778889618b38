import Crypto
public import Foundation
public import Logging
import Synchronization

/// Remembers successful directory answers for at most `ttl`, so a request does not cost three LDAP round trips,
/// while a person removed from a group loses the role within `ttl`. Passwords are never kept: a cached login holds
/// an HMAC of the password under a key that lives only in this process. Failures are never cached.
///
/// A `Mutex` rather than an actor: a hit is a dictionary read on the request's own thread, with no hop; the
/// directory call on a miss runs outside the lock.
public final class CachingDirectory: Directory {
    private struct Entry {
        let principal: Principal
        let verifier: Data?
        let expires: Date
    }

    private struct State {
        var logins: [LoginName: Entry] = [:]
        var lookups: [LoginName: Entry] = [:]
    }

    private let base: any Directory
    private let ttl: TimeInterval
    private let now: @Sendable () -> Date
    private let maxEntries: Int
    private let key = SymmetricKey(size: .bits256)
    private let state = Mutex(State())

    public init(_ base: any Directory, ttl: Duration, maxEntries: Int = 50_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.base = base
        self.maxEntries = max(1, maxEntries)
        self.ttl = ttl.seconds
        self.now = now
    }

    public func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal {
        let credentials = try credentials.validated()
        let verifier = Data(HMAC<SHA256>.authenticationCode(for: Data(credentials.password.utf8), using: key))
        let name = LoginName(credentials.username)
        let now = now()
        if let hit = state.withLock({ state -> Principal? in
            guard let entry = state.logins[name], entry.expires > now, entry.verifier == verifier else { return nil }
            return entry.principal
        }) {
            return hit
        }
        do {
            let principal = try await base.authenticate(credentials, logger: logger)
            let expires = self.now().addingTimeInterval(ttl)
            state.withLock { state in
                state.logins[name] = Entry(principal: principal, verifier: verifier, expires: expires)
                state.lookups[LoginName(principal.username)] = Entry(principal: principal, verifier: nil, expires: expires)
                evictIfFull(&state)
            }
            return principal
        } catch {
            state.withLock { _ = $0.logins.removeValue(forKey: name) }
            throw error
        }
    }

    public func lookup(username: String, logger: Logger) async throws -> Principal {
        let name = LoginName(username)
        let now = now()
        if let hit = state.withLock({ state -> Principal? in
            guard let entry = state.lookups[name], entry.expires > now else { return nil }
            return entry.principal
        }) {
            return hit
        }
        let principal = try await base.lookup(username: username, logger: logger)
        let expires = self.now().addingTimeInterval(ttl)
        state.withLock { state in
            state.lookups[name] = Entry(principal: principal, verifier: nil, expires: expires)
            evictIfFull(&state)
        }
        return principal
    }

    public func isHealthy(logger: Logger) async -> Bool {
        await base.isHealthy(logger: logger)
    }

    /// Expired entries go first; if the maps are still over the bound (a burst of distinct names within one TTL),
    /// arbitrary entries go too: a cache miss only costs a directory call.
    private func evictIfFull(_ state: inout State) {
        guard state.logins.count > maxEntries || state.lookups.count > maxEntries else { return }
        let now = now()
        state.logins = state.logins.filter { $0.value.expires > now }
        state.lookups = state.lookups.filter { $0.value.expires > now }
        while state.logins.count > maxEntries, let victim = state.logins.keys.first { state.logins[victim] = nil }
        while state.lookups.count > maxEntries, let victim = state.lookups.keys.first { state.lookups[victim] = nil }
    }

    public var entryCount: Int { state.withLock { $0.logins.count + $0.lookups.count } }
}
