public import Foundation
public import Logging
public import PostgresNIO

/// The server's handle on PostgreSQL. Tenant data is only reachable inside `withTenant`, which scopes one
/// transaction to one tenant for row-level security.
public struct Database: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Runs `body` in a transaction in which `app.tenant_id` is `tenantID` — set with `is_local = true`, so the
    /// setting ends with the transaction and never leaks onto the pooled connection.
    public func withTenant<Result: Sendable>(
        _ tenantID: UUID,
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await measured(logger: logger) {
            try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.execute(SetTenant(tenantID: tenantID), logger: logger)
                return try await body(connection)
            }
        }
    }

    /// One statement that scopes itself to its tenant (a `cairn.tenant_*` function, which sets `app.tenant_id` with
    /// `is_local` inside the statement's own implicit transaction): one round trip, no BEGIN and COMMIT.
    func scopedRead<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        try await measured(logger: logger) {
            var rows: [Statement.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
    }

    /// A transaction with no tenant set: only global tables (tenants) are visible.
    public func withoutTenant<Result: Sendable>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await measured(logger: logger) {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    public func isReachable(logger: Logger) async -> Bool {
        do {
            try await client.query("SELECT 1", logger: logger)
            return true
        } catch {
            logger.warning("database readiness check failed", metadata: ["error": "\(String(reflecting: error))"])
            return false
        }
    }

    func translatingErrors<Result: Sendable>(
        logger: Logger,
        _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw Self.translate(error, logger: logger)
        }
    }

    /// Unwraps the transaction wrapper so callers see the domain error their closure threw, and turns database
    /// errors into domain errors.
    static func translate(_ error: any Error, logger: Logger) -> any Error {
        switch error {
        case let error as PostgresTransactionError:
            if let closureError = error.closureError { return translate(closureError, logger: logger) }
            if let failure = error.beginError ?? error.commitError ?? error.rollbackError { return translate(failure, logger: logger) }
            return error
        case let error as PSQLError:
            return error.translated(logger: logger)
        default:
            return error
        }
    }
}

/// The tenant for row-level security, for the rest of the transaction only (`is_local`), prepared once per connection.
struct SetTenant: PostgresPreparedStatement {
    static let sql = "SELECT set_config('app.tenant_id', $1, true)"
    typealias Row = String
    let tenantID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID.uuidString)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
}
