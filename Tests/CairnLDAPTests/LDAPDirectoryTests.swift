import CairnCore
import CairnLDAP
import CairnTestSupport
import Logging
import Testing

/// Against the real slapd that ops/test starts with ops/ldap/directory.ldif.
@Suite struct LDAPDirectoryTests {
    let logger = Logger(label: "cairn.test.ldap")

    private func directory() throws -> LDAPDirectory { LDAPDirectory(configuration: try TestEnvironment.ldapConfiguration()) }

    private func expectRefused(_ username: String, _ password: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let directory = try directory()
        do {
            let principal = try await directory.authenticate(Credentials(username: username, password: password), logger: logger)
            Issue.record("authenticated \(username.debugDescription) as \(principal.distinguishedName)", sourceLocation: sourceLocation)
        } catch let error as CairnError {
            #expect(error == CairnError.unauthenticated, sourceLocation: sourceLocation)
        }
    }

    @Test func rightPasswordAuthenticatesWithNormalisedGroups() async throws {
        let principal = try await directory().authenticate(Credentials(username: "alice", password: "alice-pw"), logger: logger)
        #expect(principal.username == "alice")
        #expect(DistinguishedName(principal.distinguishedName) == DistinguishedName("uid=alice,ou=people,dc=cairn,dc=test"))
        #expect(principal.groups == [DirectoryFixture.contributors])
    }

    @Test func platformAdminsAreFoundByGroup() async throws {
        let principal = try await directory().authenticate(Credentials(username: "pat", password: "pat-pw"), logger: logger)
        #expect(principal.groups.contains(DirectoryFixture.platformAdmins))
    }

    @Test func aUserInNoGroupAuthenticatesWithNoGroups() async throws {
        let principal = try await directory().authenticate(Credentials(username: "mallory", password: "mallory-pw"), logger: logger)
        #expect(principal.groups.isEmpty)
    }

    @Test func dnWithEscapedCharactersStillFindsItsGroups() async throws {
        let principal = try await directory().authenticate(Credentials(username: "o'brien, jr", password: "obrien-pw"), logger: logger)
        #expect(principal.groups == [DirectoryFixture.contributors])
    }

    @Test func wrongPasswordIsRefused() async throws { try await expectRefused("alice", "bob-pw") }

    @Test func emptyPasswordIsRefusedBeforeBinding() async throws { try await expectRefused("alice", "") }

    @Test func unknownUserIsRefusedTheSameWay() async throws { try await expectRefused("nobody", "whatever") }

    @Test(arguments: ["*", "*)(uid=*", "admin)(|(uid=*", "alice)(uid=*", "al*", "*)(|(objectClass=*", "alice\\", "(uid=alice)"])
    func filterInjectionNeverAuthenticates(_ username: String) async throws {
        // The right password of a real user must not help an injected filter match that user.
        try await expectRefused(username, "alice-pw")
    }

    @Test func theServiceAccountsOwnCredentialsDoNotLogInAsAPerson() async throws {
        try await expectRefused("cairn-service", try TestEnvironment.require("CAIRN_LDAP_BIND_PASSWORD"))
    }

    @Test func anUnreachableDirectoryFailsClosedAsUnavailable() async throws {
        var configuration = try TestEnvironment.ldapConfiguration()
        configuration.url = "ldap://127.0.0.1:9/"
        configuration.timeout = 1
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await LDAPDirectory(configuration: configuration).authenticate(
                Credentials(username: "alice", password: "alice-pw"), logger: logger)
            Issue.record("authenticated against a closed port")
        } catch let error as CairnError {
            #expect(error.code == .temporarilyUnavailable)
        }
        #expect(clock.now - started < .seconds(10))
    }

    @Test func aWrongServiceAccountPasswordIsAnOutageNotAUserError() async throws {
        var configuration = try TestEnvironment.ldapConfiguration()
        configuration.bindPassword = "not-the-service-password"
        do {
            _ = try await LDAPDirectory(configuration: configuration).authenticate(
                Credentials(username: "alice", password: "alice-pw"), logger: logger)
            Issue.record("authenticated with a broken service account")
        } catch let error as CairnError {
            #expect(error.code == .temporarilyUnavailable)
        }
    }

    @Test func manyConcurrentLoginsAllSucceed() async throws {
        let directory = try directory()
        let logger = self.logger
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                let user = ["alice", "bob", "carol", "dave"][i % 4]
                group.addTask { try await directory.authenticate(Credentials(username: user, password: "\(user)-pw"), logger: logger).username }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(results.count == 40)
    }
}
