import Crypto
public import Foundation
public import Logging
public import PostgresNIO

/// Applies the numbered, forward-only migrations in `sql/` (`NNNN_name.sql`) as the owner role, each in its own
/// transaction, recording them in `cairn.schema_migrations`. A second run applies nothing; an applied file whose
/// content changed is refused. An advisory lock lets several replicas start at once.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let sql: String
        public var checksum: String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }
    }

    public struct Report: Sendable, Equatable {
        public let applied: [Int]
        public let alreadyApplied: [Int]
    }

    public let migrations: [Migration]

    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let pattern = /^([0-9]{4})_([a-z0-9_]+)\.sql$/
        var migrations: [Migration] = []
        for file in files.sorted() {
            guard let match = try? pattern.wholeMatch(in: file), let version = Int(match.1) else { continue }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(match.2), sql: sql))
        }
        guard !migrations.isEmpty else { throw ConfigurationError("No migrations (NNNN_name.sql) in \(directory.path)") }
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            throw ConfigurationError("Migrations must be numbered 0001, 0002, … without gaps; found \(migration.version) at position \(index + 1)")
        }
        self.migrations = migrations
    }

    public func run(url: DatabaseURL, logger: Logger) async throws -> Report {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(), id: 1, logger: logger)
        do {
            let report = try await run(on: connection, logger: logger)
            try await connection.close()
            return report
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func run(on connection: PostgresConnection, logger: Logger) async throws -> Report {
        try await connection.query("SELECT pg_advisory_lock(hashtext('cairn.migrate'))", logger: logger)
        do {
            let report = try await applyPending(on: connection, logger: logger)
            try await connection.query("SELECT pg_advisory_unlock(hashtext('cairn.migrate'))", logger: logger)
            return report
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext('cairn.migrate'))", logger: logger)
            throw error
        }
    }

    private func applyPending(on connection: PostgresConnection, logger: Logger) async throws -> Report {
        try await connection.query("CREATE SCHEMA IF NOT EXISTS cairn", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS cairn.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                applied_by text NOT NULL DEFAULT current_user
            )
            """, logger: logger)
        var applied: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM cairn.schema_migrations", logger: logger
        ).decode((Int, String).self) {
            applied[version] = checksum
        }
        var report = Report(applied: [], alreadyApplied: [])
        for migration in migrations {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw ConfigurationError(
                        "Migration \(migration.version) (\(migration.name)) changed after it was applied; add a new migration instead")
                }
                report = Report(applied: report.applied, alreadyApplied: report.alreadyApplied + [migration.version])
                continue
            }
            logger.info("applying migration", metadata: ["cairn.migration": "\(migration.version)_\(migration.name)"])
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in SQLScript.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO cairn.schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                    logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                logger.error("migration failed", metadata: ["cairn.migration": "\(migration.version)", "error": "\(String(reflecting: error))"])
                throw ConfigurationError("Migration \(migration.version) (\(migration.name)) failed: \(String(reflecting: error))")
            }
            report = Report(applied: report.applied + [migration.version], alreadyApplied: report.alreadyApplied)
        }
        return report
    }
}

extension Migrator {
    /// Where the migrations are when no folder is configured, found from the binary's own location, never from the
    /// working directory: an installed layout's `<prefix>/share/cairn/sql` next to `<prefix>/bin/cairn`, else the
    /// nearest folder above the binary that holds `sql/0001_*.sql` (a checkout, where `swift build` put it).
    public static func defaultDirectory(executable: URL) throws -> URL {
        let binary = executable.resolvingSymlinksInPath()
        var folder = binary.deletingLastPathComponent()
        let installed = folder.deletingLastPathComponent().appendingPathComponent("share/cairn/sql")
        if holdsMigrations(installed) { return installed }
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("sql")
            if holdsMigrations(candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw ConfigurationError(
            "No migrations found near \(binary.path) (share/cairn/sql, or sql/ above it); pass --migrations or set CAIRN_MIGRATIONS_DIR.")
    }

    private static func holdsMigrations(_ folder: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.contains { $0.hasPrefix("0001_") && $0.hasSuffix(".sql") }
    }
}
