import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnLDAP
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@Suite struct LoginThrottlingTests {
    @Test func repeatedFailuresAreThrottledAlikeForRealAndUnknownUsers() async throws {
        let clock = TestClock()
        let harness = try await APIHarness.make(
            userThrottle: .init(freeFailures: 3, baseDelay: .seconds(2), maxDelay: .seconds(30)), now: clock.reading)
        try await harness.run { api in
            var replies: [String: [Reply]] = [:]
            for user in ["alice", "no-such-user"] {
                for _ in 0..<5 { replies[user, default: []].append(try await api.call(.get, "/api/v1/tenants", as: user, password: "guess")) }
            }
            for user in ["alice", "no-such-user"] {
                let statuses = replies[user]?.map(\.status.code)
                // Three free failures; the fourth starts a 2 s delay that refuses the fifth attempt.
                #expect(statuses == [401, 401, 401, 401, 429], "\(user): \(statuses ?? [])")
                #expect(replies[user]?[4].headers[.retryAfter] == "2")
                #expect(replies[user]?[4].errorCode == "REQUEST_LIMIT_EXCEEDED")
            }
            // The two users' replies say the same thing.
            #expect(replies["alice"]?.map(\.text) == replies["no-such-user"]?.map(\.text))
            // While throttled even the right password waits; other users are unaffected.
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice").status == .tooManyRequests)
            #expect(try await api.call(.get, "/api/v1/tenants", as: "bob").status == .ok)
            clock.advance(by: .seconds(2.2))
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice").status == .ok)
        }
    }

    @Test func oneAddressGuessingManyUsersIsThrottled() async throws {
        let harness = try await APIHarness.make(addressThrottle: .init(freeFailures: 5, baseDelay: .seconds(5)))
        try await harness.run { api in
            var statuses: [Int] = []
            for i in 0..<7 { statuses.append(try await api.call(.get, "/api/v1/tenants", as: "user\(i)", password: "guess").status.code) }
            #expect(statuses == [401, 401, 401, 401, 401, 401, 429])
            let bearer = try await api.bearer(.get, "/api/v1/tenants", token: "cairn_x_" + String(repeating: "0", count: 72))
            #expect(bearer.status == .tooManyRequests)
        }
    }
}

/// tess is in ml-contributors; only this suite changes that.
@Suite(.serialized) struct GroupChangeTests {
    static let tess = "uid=tess,ou=people,dc=cairn,dc=test"

    @Test func removingAPersonFromAGroupTakesTheirRoleAndTheirTokensRoleWithinTheTTL() async throws {
        let clock = TestClock()
        let harness = try await APIHarness.make(cacheTTL: .seconds(1), now: clock.reading)
        let tenant = try await harness.db.makeTenant("demote")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let tessPassword = "tess-pw"
        try await harness.run { api in
            let token = try await api.send(
                .post, "\(base)/tokens", authorization: "Basic " + Data("tess:\(tessPassword)".utf8).base64EncodedString(),
                body: #"{"name":"tess-ci"}"#)
            let secret = try #require(token.json?["secret"]?.string, "\(token.text)")
            let basic = "Basic " + Data("tess:\(tessPassword)".utf8).base64EncodedString()
            #expect(try await api.send(.post, "\(base)/models", authorization: basic, body: #"{"name":"before"}"#).status == .created)
            #expect(try await api.bearer(.post, "\(base)/models", token: secret, body: #"{"name":"before-token"}"#).status == .created)

            try DirectoryControl.setMembership(Self.tess, of: DirectoryFixture.contributors.normalized, present: false)
            defer { try? DirectoryControl.setMembership(Self.tess, of: DirectoryFixture.contributors.normalized, present: true) }
            clock.advance(by: .seconds(1.3))

            #expect(try await api.send(.post, "\(base)/models", authorization: basic, body: #"{"name":"after"}"#).status == .notFound)
            #expect(try await api.bearer(.post, "\(base)/models", token: secret, body: #"{"name":"after-token"}"#).status == .notFound)
        }
        let names = try await harness.db.registry.listModels(nameLike: nil, maxResults: 10, pageToken: nil, in: tenant, logger: harness.db.logger)
        #expect(names.models.map(\.name) == ["before", "before-token"])
    }
}

extension GroupChangeTests {
    /// Issue 3's promise, on promotions: an approver removed from the approvers' group can no longer approve
    /// (and so promote) once the cache TTL has passed.
    @Test func removingAnApproverStopsTheirApprovalsWithinTheTTL() async throws {
        let clock = TestClock()
        let harness = try await APIHarness.make(cacheTTL: .seconds(1), now: clock.reading)
        let tenant = try await harness.db.makeTenant("demote-approver")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let tess = "Basic " + Data("tess:tess-pw".utf8).base64EncodedString()
        try DirectoryControl.setMembership(Self.tess, of: DirectoryFixture.approvers.normalized, present: true)
        defer { try? DirectoryControl.setMembership(Self.tess, of: DirectoryFixture.approvers.normalized, present: false) }
        try await harness.run { api in
            try await api.seedModel("credit", versions: 2, tenantBase: base)
            var requests: [String] = []
            for version in [1, 2] {
                _ = try await api.call(.post, "\(base)/models/credit/versions/\(version)/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
                let requested = try await api.call(
                    .post, "\(base)/models/credit/versions/\(version)/transitions", as: "alice", body: #"{"to_stage":"Production"}"#)
                requests.append(try #require(requested.json?["transition_request"]?["id"]?.string))
            }
            let first = try await api.send(.post, "\(base)/transition-requests/\(requests[0])/approve", authorization: tess, body: nil)
            #expect(first.status == .ok, "tess approves while in the approvers' group: \(first.text)")

            try DirectoryControl.setMembership(Self.tess, of: DirectoryFixture.approvers.normalized, present: false)
            clock.advance(by: .seconds(1.3))
            let second = try await api.send(.post, "\(base)/transition-requests/\(requests[1])/approve", authorization: tess, body: nil)
            #expect(second.status == .forbidden, "after the TTL she is a contributor again: \(second.text)")
            #expect(try await api.call(.get, "\(base)/models/credit/versions/2", as: "carol").json?["stage"]?.string == "Staging")
        }
    }
}

/// The outage directory is stopped and frozen here; nothing else uses it, and these run one at a time.
@Suite(.serialized) struct DirectoryOutageTests {
    private func harness() async throws -> APIHarness {
        var ldap = try TestEnvironment.ldapConfiguration()
        ldap.url = try DirectoryControl.Outage.url
        ldap.timeout = 2
        ldap.maxConcurrentOperations = 2
        return try await APIHarness.make(cacheTTL: .milliseconds(1), ldap: ldap)
    }

    @Test func aFrozenDirectoryFailsClosedWithinTheTimeoutAndRecovers() async throws {
        let harness = try await harness()
        try await harness.run { api in
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice").status == .ok)
            try DirectoryControl.Outage.freeze()
            defer { try? DirectoryControl.Outage.thaw() }
            let clock = ContinuousClock()
            let started = clock.now
            // More callers than the directory's threads: every one must still get its answer in bounded time.
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let reply = try await api.call(.get, "/api/v1/tenants", as: "alice")
                        return (reply.status.code, reply.errorCode)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let elapsed = clock.now - started
            #expect(statuses.allSatisfy { $0.0 == 503 && $0.1 == "TEMPORARILY_UNAVAILABLE" }, "\(statuses)")
            #expect(elapsed < .seconds(9), "took \(elapsed)")
            let ready = try await api.call(.get, "/readyz", as: nil)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json?["directory"]?.string == "unreachable")
            #expect(ready.json?["database"]?.string == "ok")

            try DirectoryControl.Outage.thaw()
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice").status == .ok)
            #expect(try await api.call(.get, "/readyz", as: nil).status == .ok)
        }
    }

    @Test func aStoppedDirectoryFailsFastAndTheServerRecoversWhenItReturns() async throws {
        let harness = try await harness()
        try await harness.run { api in
            try await DirectoryControl.Outage.stop()
            let clock = ContinuousClock()
            let started = clock.now
            let down = try await api.call(.get, "/api/v1/tenants", as: "alice")
            #expect(down.status == .serviceUnavailable)
            #expect(down.errorCode == "TEMPORARILY_UNAVAILABLE")
            #expect(!down.text.contains("ldap"), "\(down.text)")
            #expect(clock.now - started < .seconds(3))
            try await DirectoryControl.Outage.start()
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice").status == .ok)
        }
    }
}
