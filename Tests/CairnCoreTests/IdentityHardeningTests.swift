import CairnCore
import Foundation
import Logging
import Synchronization
import Testing

@Suite struct TokenRuleTests {
    let acme = try! TenantSlug("acme")

    @Test func mintedTokensParseBackToTheirTenantPrefixAndHash() throws {
        let minted = MintedToken(tenant: acme)
        #expect(minted.secret.hasPrefix("cairn_acme_"))
        let parsed = try TokenCredential(parsing: minted.secret)
        #expect(parsed.tenant == acme)
        #expect(parsed.prefix == minted.prefix)
        #expect(parsed.matches(storedHash: minted.hash))
        #expect(!parsed.matches(storedHash: MintedToken(tenant: acme).hash))
        #expect(MintedToken(tenant: acme).secret != minted.secret)
    }

    @Test(arguments: [
        "", "cairn_acme_", "cairn_acme_xyz", "bearer", "cairn_Acme_" + String(repeating: "a", count: 72),
        "cairn_acme_" + String(repeating: "A", count: 72), "other_acme_" + String(repeating: "a", count: 72),
    ])
    func malformedTokensAreUnauthenticated(_ token: String) {
        #expect(throws: CairnError.unauthenticated) { try TokenCredential(parsing: token) }
    }

    @Test func aTokenCannotOutrankOrOutliveWhatIsAllowed() throws {
        let now = Date()
        #expect(throws: CairnError.self) {
            try NewAPIToken(name: "ci", role: .approver, expiresAt: nil, creatorRole: .contributor, now: now, maxLifetime: .seconds(86_400))
        }
        #expect(throws: CairnError.self) {
            try NewAPIToken(
                name: "ci", role: .reader, expiresAt: now.addingTimeInterval(-1), creatorRole: .reader, now: now, maxLifetime: .seconds(86_400))
        }
        #expect(throws: CairnError.self) {
            try NewAPIToken(
                name: "ci", role: .reader, expiresAt: now.addingTimeInterval(2 * 86_400), creatorRole: .reader, now: now,
                maxLifetime: .seconds(86_400))
        }
        #expect(throws: CairnError.self) {
            try NewAPIToken(name: "  ", role: .reader, expiresAt: nil, creatorRole: .reader, now: now, maxLifetime: .seconds(86_400))
        }
        let token = try NewAPIToken(name: " ci ", role: .contributor, expiresAt: nil, creatorRole: .admin, now: now, maxLifetime: .seconds(86_400))
        #expect(token.name == "ci")
        #expect(abs(token.expiresAt.timeIntervalSince(now) - 86_400) < 1)
    }

    @Test func aTokensRoleIsCappedByItsOwnersCurrentRoleAndStaysInItsTenant() {
        let home = UUID(), elsewhere = UUID()
        let admins = DistinguishedName("cn=admins,dc=x")
        let owner = Principal(username: "u", distinguishedName: "uid=u", groups: [admins])
        let token = owner.with(token: TokenGrant(tokenID: UUID(), tenantID: home, role: .contributor))
        #expect(TenantAccess(principal: token, tenantID: home, boundRole: .admin, platformAdminGroup: admins).role == .contributor)
        #expect(TenantAccess(principal: token, tenantID: home, boundRole: .reader, platformAdminGroup: nil).role == .reader)
        #expect(TenantAccess(principal: token, tenantID: home, boundRole: nil, platformAdminGroup: nil).role == nil)
        #expect(TenantAccess(principal: token, tenantID: elsewhere, boundRole: .admin, platformAdminGroup: nil).role == nil)
        #expect(!TenantAccess(principal: token, tenantID: home, boundRole: .admin, platformAdminGroup: admins).isPlatformAdmin)
        #expect(TenantAccess(principal: owner, tenantID: elsewhere, boundRole: nil, platformAdminGroup: admins).isPlatformAdmin)
    }
}

@Suite struct LoginThrottleTests {
    @Test func delaysGrowAfterTheFreeFailuresAndASuccessClearsThem() {
        var throttle = LoginThrottle(policy: .init(freeFailures: 2, baseDelay: .seconds(1), maxDelay: .seconds(8)))
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        throttle.recordFailure("alice", now: t0)
        throttle.recordFailure("alice", now: t0)
        #expect(throttle.wait(for: "alice", now: t0) == nil)
        var waits: [Int64] = []
        for i in 0..<6 {
            let t = t0.addingTimeInterval(Double(i) * 100)
            throttle.recordFailure("alice", now: t)
            waits.append(throttle.wait(for: "alice", now: t)?.components.seconds ?? 0)
        }
        #expect(waits == [1, 2, 4, 8, 8, 8])
        #expect(throttle.wait(for: "bob", now: t0) == nil)
        throttle.recordSuccess("alice")
        #expect(throttle.wait(for: "alice", now: t0.addingTimeInterval(500)) == nil)
    }

    @Test func oldFailuresAreForgotten() {
        var throttle = LoginThrottle(policy: .init(freeFailures: 1, baseDelay: .seconds(1), maxDelay: .seconds(60), forgetAfter: .seconds(60)))
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        throttle.recordFailure("k", now: t0)
        throttle.recordFailure("k", now: t0)
        #expect(throttle.wait(for: "k", now: t0) != nil)
        let later = t0.addingTimeInterval(3600)
        throttle.recordFailure("k", now: later)
        #expect(throttle.wait(for: "k", now: later) == nil)
    }
}

/// A directory that counts its calls; pure unit test of the cache's rules.
final class CountingDirectory: Directory {
    let calls = Mutex(0)
    let groups = Mutex<Set<DistinguishedName>>([DistinguishedName("cn=a,dc=x")])

    func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal {
        calls.withLock { $0 += 1 }
        guard credentials.password == "right" else { throw CairnError.unauthenticated }
        return Principal(username: credentials.username, distinguishedName: "uid=\(credentials.username)", groups: groups.withLock { $0 })
    }

    func lookup(username: String, logger: Logger) async throws -> Principal {
        calls.withLock { $0 += 1 }
        return Principal(username: username, distinguishedName: "uid=\(username)", groups: groups.withLock { $0 })
    }

    func isHealthy(logger: Logger) async -> Bool { true }
}

@Suite struct CachingDirectoryTests {
    let logger = Logger(label: "test")

    @Test func successesAreReusedWithinTheTTLAndRefreshedAfter() async throws {
        let base = CountingDirectory()
        let clock = Mutex(Date(timeIntervalSince1970: 0))
        let cache = CachingDirectory(base, ttl: .seconds(60), now: { clock.withLock { $0 } })
        _ = try await cache.authenticate(Credentials(username: "u", password: "right"), logger: logger)
        _ = try await cache.authenticate(Credentials(username: "u", password: "right"), logger: logger)
        _ = try await cache.lookup(username: "u", logger: logger)
        #expect(base.calls.withLock { $0 } == 1)

        base.groups.withLock { $0 = [] }
        clock.withLock { $0 = $0.addingTimeInterval(61) }
        let refreshed = try await cache.authenticate(Credentials(username: "u", password: "right"), logger: logger)
        #expect(refreshed.groups.isEmpty)
        #expect(base.calls.withLock { $0 } == 2)
    }

    @Test func theLoginCacheStaysWithinItsBoundWhateverThePath() async throws {
        let cache = CachingDirectory(CountingDirectory(), ttl: .seconds(600), maxEntries: 3)
        for index in 0..<50 {
            _ = try await cache.authenticate(Credentials(username: "user\(index)", password: "right"), logger: logger)
        }
        #expect(cache.entryCount <= 6, "logins and lookups, each at most 3")
        for index in 0..<50 { _ = try await cache.lookup(username: "token-owner\(index)", logger: logger) }
        #expect(cache.entryCount <= 6)
    }

    @Test func spellingsOfOneNameShareOneCacheEntry() async throws {
        let base = CountingDirectory()
        let cache = CachingDirectory(base, ttl: .seconds(600))
        for spelling in ["alice", " alice", "ALICE ", "Alice"] {
            _ = try await cache.authenticate(Credentials(username: spelling, password: "right"), logger: logger)
        }
        #expect(base.calls.withLock { $0 } == 1)
    }

    @Test func aDifferentPasswordIsNeverAnsweredFromTheCache() async throws {
        let base = CountingDirectory()
        let cache = CachingDirectory(base, ttl: .seconds(60))
        _ = try await cache.authenticate(Credentials(username: "u", password: "right"), logger: logger)
        await #expect(throws: CairnError.unauthenticated) {
            try await cache.authenticate(Credentials(username: "u", password: "wrong"), logger: logger)
        }
        #expect(base.calls.withLock { $0 } == 2)
        // The failure also dropped the cached login.
        _ = try await cache.authenticate(Credentials(username: "u", password: "right"), logger: logger)
        #expect(base.calls.withLock { $0 } == 3)
    }

    @Test func emptyPasswordsNeverReachTheDirectory() async throws {
        let base = CountingDirectory()
        let cache = CachingDirectory(base, ttl: .seconds(60))
        await #expect(throws: CairnError.unauthenticated) { try await cache.authenticate(Credentials(username: "u", password: ""), logger: logger) }
        #expect(base.calls.withLock { $0 } == 0)
    }
}
