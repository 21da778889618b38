public import CairnApp
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

    /// A client of the second, restartable cluster (`RestartableCluster`), migrated; for tests that restart PostgreSQL.
    public static func restartable() async throws -> TestDatabase {
        let cluster = try RestartableCluster()
        _ = try await Migrator(directory: TestEnvironment.migrationsDirectory).run(
            url: try cluster.migrationURL, logger: Logger(label: "cairn.test.migrate"))
        return TestDatabase(url: try cluster.databaseURL)
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

    /// A tenant (see `makeTenant`) with model `m` and `versions` versions in `status`, numbered from 1.
    public func makeModel(
        _ prefix: String, versions: Int, status: VersionStatus = .pendingRegistration,
        bindings: [RoleBinding] = DirectoryFixture.standardBindings
    ) async throws -> Tenant {
        let tenant = try await makeTenant(prefix, bindings: bindings)
        _ = try await registry.createModel(
            try NewRegisteredModel(name: try ModelName("m"), description: nil, owner: nil, tags: nil), in: tenant, by: "test", logger: logger)
        for _ in 0..<versions {
            _ = try await registry.createVersion(
                of: "m",
                try NewModelVersion(
                    status: status, description: nil, source: nil, runID: nil, runLink: nil, lineage: nil, hyperparameters: nil,
                    metrics: nil, environment: nil, tags: nil),
                in: tenant, by: "test", logger: logger)
        }
        return tenant
    }

    /// Creates the one instance. The first caller's task is shared: an actor is reentrant across the migration's
    /// `await`, so remembering only the finished instance would let concurrent first callers each build a client.
    private actor Gate {
        static let shared = Gate()
        private var creating: Task<TestDatabase, any Error>?

        func database() async throws -> TestDatabase {
            if let creating { return try await creating.value }
            let task = Task {
                let logger = Logger(label: "cairn.test.migrate")
                _ = try await Migrator(directory: TestEnvironment.migrationsDirectory).run(url: try TestEnvironment.migrationURL(), logger: logger)
                return TestDatabase(url: try TestEnvironment.databaseURL())
            }
            creating = task
            return try await task.value
        }
    }
}

extension ArtifactService {
    /// Uploads `bytes` as one chunk to version `version` of model `model`.
    @discardableResult
    public func put(_ bytes: [UInt8], at path: String, version: Int, in tenant: Tenant, logger: Logger, model: String = "m") async throws
        -> VersionFile
    {
        try await upload(
            AsyncStream {
                $0.yield(bytes); $0.finish()
            }, to: try ArtifactPath(decoded: path), declaredLength: nil, expected: nil, version: version,
            of: model, in: tenant, by: "test", logger: logger
        ).file
    }
}

extension ArtifactService {
    /// Stores `bytes` at `path` of the tenant's MLflow artifact tree, as the proxy's PUT does.
    @discardableResult
    public func putProxied(_ bytes: [UInt8], at path: String, in tenant: Tenant, logger: Logger) async throws -> ProxiedArtifact {
        try await storeProxied(
            AsyncStream {
                $0.yield(bytes); $0.finish()
            }, at: try ArtifactPath(decoded: path), declaredLength: nil, in: tenant, by: "test", logger: logger)
    }
}

extension TestDatabase {
    /// Runs one statement as the PostgreSQL superuser, outside row-level security: scripting a history in the
    /// past, or writing what the application role may not.
    public func asSuperuser(_ sql: String) async throws {
        var configuration = try TestEnvironment.superuserURL().connectionConfiguration()
        configuration.database = try TestEnvironment.databaseURL().connectionConfiguration().database
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 99, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw SuperuserStatementFailed(statement: sql, error: String(reflecting: error))
        }
        try await connection.close()
    }
}

public struct SuperuserStatementFailed: Error, CustomStringConvertible {
    public let statement: String
    public let error: String
    public var description: String { "\(statement)\n→ \(error)" }
}
