public import CairnCore
public import CairnLDAP
public import CairnPostgres
public import Foundation

/// Where the real PostgreSQL and slapd of this test run are. `ops/test` starts them and exports these variables;
/// a missing one fails the test with a message saying how to run the suite, never a silent skip.
public enum TestEnvironment {
    public static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestSetupError("\(name) is not set: run the suite with ops/test, which starts PostgreSQL and slapd and exports it.")
        }
        return value
    }

    public static func databaseURL() throws -> DatabaseURL { try DatabaseURL(try require("CAIRN_DATABASE_URL")) }
    public static func migrationURL() throws -> DatabaseURL { try DatabaseURL(try require("CAIRN_MIGRATION_DATABASE_URL")) }
    public static func superuserURL() throws -> DatabaseURL { try DatabaseURL(try require("CAIRN_TEST_SUPERUSER_URL")) }

    public static func ldapConfiguration() throws -> LDAPConfiguration {
        LDAPConfiguration(
            url: try require("CAIRN_LDAP_URL"), bindDN: try require("CAIRN_LDAP_BIND_DN"),
            bindPassword: try require("CAIRN_LDAP_BIND_PASSWORD"), userBase: try require("CAIRN_LDAP_USER_BASE"),
            userFilter: ProcessInfo.processInfo.environment["CAIRN_LDAP_USER_FILTER"] ?? "(uid={username})",
            groupBase: try require("CAIRN_LDAP_GROUP_BASE"), timeout: 3)
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var migrationsDirectory: URL { packageRoot.appendingPathComponent("sql") }

    /// A new, empty directory under `CAIRN_TEST_SCRATCH` (ops/test points it into .local/test) or the system's temp.
    public static func scratchDirectory(_ name: String) throws -> String {
        let base = ProcessInfo.processInfo.environment["CAIRN_TEST_SCRATCH"] ?? FileManager.default.temporaryDirectory.path
        let path = "\(base)/\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The `cairn` executable built with the tests (`CAIRN_BINARY`, else the debug build in .build).
    public static func cairnBinary() throws -> String {
        let path = ProcessInfo.processInfo.environment["CAIRN_BINARY"] ?? packageRoot.appendingPathComponent(".build/debug/cairn").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSetupError("No cairn executable at \(path): build it first (ops/test does) or set CAIRN_BINARY.")
        }
        return path
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The demo directory (ops/ldap/directory.ldif): who is in which group.
public enum DirectoryFixture {
    public static let readers = DistinguishedName("cn=ml-readers,ou=groups,dc=cairn,dc=test")
    public static let contributors = DistinguishedName("cn=ml-contributors,ou=groups,dc=cairn,dc=test")
    public static let approvers = DistinguishedName("cn=ml-approvers,ou=groups,dc=cairn,dc=test")
    public static let admins = DistinguishedName("cn=ml-admins,ou=groups,dc=cairn,dc=test")
    public static let platformAdmins = DistinguishedName("cn=cairn-platform-admins,ou=groups,dc=cairn,dc=test")

    /// username → password; carol reads, alice and bob contribute, dave approves, erin administers, pat is a
    /// platform admin, mallory is in no group.
    public static let passwords = [
        "carol": "carol-pw", "alice": "alice-pw", "bob": "bob-pw", "dave": "dave-pw", "erin": "erin-pw",
        "pat": "pat-pw", "mallory": "mallory-pw",
    ]

    /// The usual bindings of a test tenant: each group to its namesake role.
    public static let standardBindings = [
        RoleBinding(group: readers, role: .reader), RoleBinding(group: contributors, role: .contributor),
        RoleBinding(group: approvers, role: .approver), RoleBinding(group: admins, role: .admin),
    ]

    public static func user(with role: Role) -> String {
        switch role {
        case .reader: "carol"
        case .contributor: "alice"
        case .approver: "dave"
        case .admin: "erin"
        }
    }
}
