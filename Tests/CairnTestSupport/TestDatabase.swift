public import CairnCore
public import CairnPostgres
import Foundation
public import Logging
public import PostgresNIO

/// One PostgresClient per test process, connected as the application role, with migrations applied once.
public final class TestDatabase: Sendable {
    public let client: PostgresClient
    public let database: Database
    public let logger: Logger
    private let runner: Task<Void, Never>

    private init(url: DatabaseURL) {
        var logger = Logger(label: "cairn.test")
        logger.logLevel = ProcessInfo.processInfo.environment["CAIRN_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        self.logger = logger
        client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        database = Database(client: client)
        let client = self.client
        runner = Task { await client.run() }
    }

    public static func shared() async throws -> TestDatabase {
        try await Gate.shared.database()
    }

    public var tenants: PostgresTenantStore { PostgresTenantStore(database: database) }
    public var registry: PostgresRegistryStore { PostgresRegistryStore(database: database) }
    public var tokens: PostgresTokenStore { PostgresTokenStore(database: database) }

    /// A new tenant with a unique slug and the standard group bindings: tests isolate through RLS, not cleanup.
    public func makeTenant(
        _ prefix: String = "t", bindings: [RoleBinding] = DirectoryFixture.standardBindings, settings: JSONObject = [:]
    ) async throws -> Tenant {
        let suffix = UUID().uuidString.lowercased().prefix(12)
        let slug = try TenantSlug("\(prefix.prefix(40))-\(suffix)")
        return try await tenants.createTenant(
            try NewTenant(slug: slug, displayName: "Test \(slug)", settings: settings), bindings: bindings, by: Actor(username: "test"),
            logger: logger)
    }

    private actor Gate {
        static let shared = Gate()
        private var instance: TestDatabase?

        func database() async throws -> TestDatabase {
            if let instance { return instance }
            let logger = Logger(label: "cairn.test.migrate")
            _ = try await Migrator(directory: TestEnvironment.migrationsDirectory).run(url: try TestEnvironment.migrationURL(), logger: logger)
            let created = TestDatabase(url: try TestEnvironment.databaseURL())
            instance = created
            return created
        }
    }
}
