public import CairnPostgres
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The second PostgreSQL cluster ops/test starts (CAIRN_TEST_RESTART_PG_DIR, port CAIRN_TEST_RESTART_PG_PORT), which
/// tests may restart without disturbing the suites that share the main one.
public struct RestartableCluster: Sendable {
    public let directory: String
    public let port: Int

    public init() throws {
        directory = try TestEnvironment.require("CAIRN_TEST_RESTART_PG_DIR")
        guard let port = Int(try TestEnvironment.require("CAIRN_TEST_RESTART_PG_PORT")) else {
            throw TestSetupError("CAIRN_TEST_RESTART_PG_PORT is not a port")
        }
        self.port = port
    }

    /// The main cluster's URL with this cluster's port and database.
    private func url(_ variable: String) throws -> String {
        var components = try URLComponents(string: try TestEnvironment.require(variable)).unwrapped(variable)
        components.port = port
        components.path = "/cairn_restart"
        return try components.string.unwrapped(variable)
    }

    public var databaseURLText: String { get throws { try url("CAIRN_DATABASE_URL") } }
    public var databaseURL: DatabaseURL { get throws { try DatabaseURL(try databaseURLText) } }
    public var migrationURL: DatabaseURL { get throws { try DatabaseURL(try url("CAIRN_MIGRATION_DATABASE_URL")) } }

    /// `pg_ctl restart -m fast`: every connection is cut, the server is back when this returns. pg_ctl's output goes
    /// to a file (a pipe would be inherited by the new postmaster and never close), and it is awaited without
    /// blocking a thread of the concurrency pool.
    public func restart() async throws {
        let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last.unwrapped("a PostgreSQL installation")
        let result = try await Subprocess.run(
            "/usr/sbin/runuser",
            [
                "-u", "postgres", "--", "/usr/lib/postgresql/\(bin)/bin/pg_ctl", "-D", "\(directory)/pg", "-m", "fast", "-w", "-t", "60",
                "-l", "\(directory)/pg-socket/postgres.log", "restart",
            ])
        guard result.status == 0 else { throw TestSetupError("pg_ctl restart failed: \(result.output)") }
    }
}

extension Optional {
    fileprivate func unwrapped(_ what: String) throws -> Wrapped {
        guard let self else { throw TestSetupError("missing \(what)") }
        return self
    }
}
