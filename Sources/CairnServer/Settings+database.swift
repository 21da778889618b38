public import CairnCore
public import CairnPostgres
public import Logging
public import PostgresNIO

extension Settings {
    /// For one-shot commands: connects as the application role, fails at once if the database is unreachable (a
    /// pooled client would retry for ever), and runs `body` while the pool is up.
    public func withDatabase<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        let url = try DatabaseURL(try require("database.url"))
        do {
            let probe = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            try await probe.close()
        } catch {
            throw SettingsError("Cannot connect to \(url): \(String(reflecting: error))")
        }
        let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(Database(client: client))
        }
    }
}

extension Database {
    /// The tenant a command names, or the command's error.
    public func tenant(_ slug: TenantSlug, logger: Logger) async throws -> Tenant {
        guard let tenant = try await PostgresTenantStore(database: self).tenant(slug: slug, logger: logger) else {
            throw SettingsError("No tenant '\(slug)'.")
        }
        return tenant
    }
}
