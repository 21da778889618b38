import Crypto
public import Foundation
public import Logging

/// Remembers successful directory answers for at most `ttl`, so a request does not cost three LDAP round trips,
/// while a person removed from a group loses the role within `ttl`. Passwords are never kept: a cached login holds
/// an HMAC of the password under a key that lives only in this process. Failures are never cached.
public actor CachingDirectory: Directory {
    private struct Entry {
        let principal: Principal
        let verifier: Data?
        let expires: Date
    }

    private let base: any Directory
    private let ttl: TimeInterval
    private let now: @Sendable () -> Date
    private let maxEntries: Int
    private let key = SymmetricKey(size: .bits256)
    private var logins: [LoginName: Entry] = [:]
    private var lookups: [LoginName: Entry] = [:]

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
        if let entry = logins[name], entry.expires > now(), entry.verifier == verifier {
            return entry.principal
        }
        do {
            let principal = try await base.authenticate(credentials, logger: logger)
            let entry = Entry(principal: principal, verifier: verifier, expires: now().addingTimeInterval(ttl))
            logins[name] = entry
            lookups[LoginName(principal.username)] = Entry(principal: principal, verifier: nil, expires: entry.expires)
            if logins.count > maxEntries || lookups.count > maxEntries { evict() }
            return principal
        } catch {
            logins[name] = nil
            throw error
        }
    }

    public func lookup(username: String, logger: Logger) async throws -> Principal {
        if let entry = lookups[LoginName(username)], entry.expires > now() { return entry.principal }
        let principal = try await base.lookup(username: username, logger: logger)
        lookups[LoginName(username)] = Entry(principal: principal, verifier: nil, expires: now().addingTimeInterval(ttl))
        if lookups.count > maxEntries { evict() }
        return principal
    }

    public func isHealthy(logger: Logger) async -> Bool {
        await base.isHealthy(logger: logger)
    }

    /// Expired entries go first; if the maps are still over the bound (a burst of distinct names within one TTL),
    /// arbitrary entries go too: a cache miss only costs a directory call.
    private func evict() {
        let now = now()
        logins = logins.filter { $0.value.expires > now }
        lookups = lookups.filter { $0.value.expires > now }
        while logins.count > maxEntries, let victim = logins.keys.first { logins[victim] = nil }
        while lookups.count > maxEntries, let victim = lookups.keys.first { lookups[victim] = nil }
    }

    public var entryCount: Int { logins.count + lookups.count }
}
