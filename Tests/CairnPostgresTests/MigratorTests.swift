import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@Suite struct MigratorTests {
    /// A scratch database owned by cairn_owner, created and dropped through the superuser connection.
    private func withScratchDatabase(_ body: (DatabaseURL) async throws -> Void) async throws {
        let superuser = try TestEnvironment.superuserURL()
        let name = "cairn_scratch_\(UUID().uuidString.prefix(8).lowercased())"
        let logger = Logger(label: "cairn.test.migrator")
        let admin = try await PostgresConnection.connect(configuration: try superuser.connectionConfiguration(), id: 99, logger: logger)
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) OWNER cairn_owner"), logger: logger)
        do {
            var url = URLComponents(string: try TestEnvironment.require("CAIRN_MIGRATION_DATABASE_URL"))!
            url.path = "/" + name
            try await body(try DatabaseURL(url.string!))
        } catch {
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
            try? await admin.close()
            throw error
        }
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        try await admin.close()
    }

    @Test func migratingTwiceAppliesEverythingOnceThenNothing() async throws {
        let migrator = try Migrator(directory: TestEnvironment.migrationsDirectory)
        let all = migrator.migrations.map(\.version)
        try await withScratchDatabase { url in
            let logger = Logger(label: "cairn.test.migrator")
            let first = try await migrator.run(url: url, logger: logger)
            #expect(first.applied == all)
            #expect(first.alreadyApplied.isEmpty)
            let second = try await migrator.run(url: url, logger: logger)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == all)
        }
    }

    @Test func anAppliedMigrationThatChangedIsRefused() async throws {
        let original = try Migrator(directory: TestEnvironment.migrationsDirectory)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for migration in original.migrations {
            try migration.sql.write(
                to: folder.appendingPathComponent(String(format: "%04d_%@.sql", migration.version, migration.name)), atomically: true, encoding: .utf8
            )
        }
        try await withScratchDatabase { url in
            let logger = Logger(label: "cairn.test.migrator")
            _ = try await original.run(url: url, logger: logger)
            let first = original.migrations[0]
            try (first.sql + "\n-- edited\n").write(
                to: folder.appendingPathComponent(String(format: "%04d_%@.sql", first.version, first.name)), atomically: true, encoding: .utf8)
            let edited = try Migrator(directory: folder)
            await #expect(throws: ConfigurationError.self) { try await edited.run(url: url, logger: logger) }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "CREATE TABLE cairn.half_done (id int);\nSELECT 1/0;".write(
            to: folder.appendingPathComponent("0001_broken.sql"), atomically: true, encoding: .utf8)
        try await withScratchDatabase { url in
            let logger = Logger(label: "cairn.test.migrator")
            await #expect(throws: ConfigurationError.self) { try await Migrator(directory: folder).run(url: url, logger: logger) }
            let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 7, logger: logger)
            let exists = try await connection.query("SELECT to_regclass('cairn.half_done') IS NOT NULL", logger: logger).decode(Bool.self).first {
                _ in true
            }
            let recorded = try await connection.query("SELECT count(*)::int FROM cairn.schema_migrations", logger: logger).decode(Int.self).first {
                _ in true
            }
            try await connection.close()
            #expect(exists == false)
            #expect(recorded == 0)
        }
    }

    @Test func gapsInNumberingAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0003_c.sql"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try Migrator(directory: folder) }
    }
}
