import CairnCore
import CairnLDAP
import CairnTestSupport
import Logging
import Testing

/// Against the slapd that ops/test starts with a certificate from a throwaway CA, for IP 127.0.0.1 only.
@Suite struct LDAPTLSTests {
    let logger = Logger(label: "cairn.test.ldap.tls")

    private func configuration(url: String, startTLS: Bool = false, ca: String = "ca.pem", verify: Bool = true) throws -> LDAPConfiguration {
        var configuration = try TestEnvironment.ldapConfiguration()
        configuration.url = url
        configuration.startTLS = startTLS
        configuration.caFile = try TestEnvironment.require("CAIRN_TEST_TLS_DIR") + "/" + ca
        configuration.verifyCertificate = verify
        return configuration
    }

    private var ldaps: String { get throws { "ldaps://127.0.0.1:\(try TestEnvironment.require("CAIRN_TEST_LDAPS_PORT"))/" } }
    private var plain: String { get throws { "ldap://127.0.0.1:\(try TestEnvironment.require("CAIRN_TEST_LDAP_TLS_PORT"))/" } }

    private func login(_ configuration: LDAPConfiguration) async throws -> Principal {
        try await LDAPDirectory(configuration: configuration).authenticate(Credentials(username: "alice", password: "alice-pw"), logger: logger)
    }

    private func expectRefused(_ configuration: LDAPConfiguration, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            _ = try await login(configuration)
            Issue.record("logged in over \(configuration.url) (startTLS \(configuration.startTLS))", sourceLocation: sourceLocation)
        } catch let error as CairnError {
            #expect(error.code == .temporarilyUnavailable, sourceLocation: sourceLocation)
        }
        #expect(await LDAPDirectory(configuration: configuration).isHealthy(logger: logger) == false, sourceLocation: sourceLocation)
    }

    @Test func ldapsWithTheRightCAWorks() async throws {
        #expect(try await login(try configuration(url: ldaps)).groups == [DirectoryFixture.contributors])
    }

    @Test func startTLSWithTheRightCAWorks() async throws {
        #expect(try await login(try configuration(url: plain, startTLS: true)).username == "alice")
    }

    @Test func aCertificateFromAnotherCAIsRefused() async throws {
        try await expectRefused(try configuration(url: ldaps, ca: "other-ca.pem"))
        try await expectRefused(try configuration(url: plain, startTLS: true, ca: "other-ca.pem"))
    }

    @Test func aHostNameTheCertificateDoesNotNameIsRefused() async throws {
        let port = try TestEnvironment.require("CAIRN_TEST_LDAPS_PORT")
        try await expectRefused(try configuration(url: "ldaps://localhost:\(port)/"))
    }

    @Test func startTLSNeverFallsBackToPlaintext() async throws {
        // The main test directory has no certificate: StartTLS must fail rather than carry on unencrypted.
        try await expectRefused(try configuration(url: try TestEnvironment.require("CAIRN_LDAP_URL"), startTLS: true))
    }

    @Test func verificationCanBeTurnedOffExplicitly() async throws {
        let port = try TestEnvironment.require("CAIRN_TEST_LDAPS_PORT")
        #expect(try await login(try configuration(url: "ldaps://localhost:\(port)/", ca: "other-ca.pem", verify: false)).username == "alice")
    }
}

@Suite struct LDAPLookupTests {
    let logger = Logger(label: "cairn.test.ldap.lookup")

    @Test func lookupFindsCurrentGroupsWithoutAPassword() async throws {
        let directory = LDAPDirectory(configuration: try TestEnvironment.ldapConfiguration())
        #expect(try await directory.lookup(username: "dave", logger: logger).groups == [DirectoryFixture.approvers])
        await #expect(throws: CairnError.unauthenticated) { try await directory.lookup(username: "nobody", logger: logger) }
        await #expect(throws: CairnError.unauthenticated) { try await directory.lookup(username: "*", logger: logger) }
        #expect(await directory.isHealthy(logger: logger))
    }
}
