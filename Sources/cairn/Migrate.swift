import ArgumentParser
import CairnPostgres
import CairnServer
import Foundation
import Logging

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (sql/) as the owner role.",
        discussion: """
            Connects with database.migration_url (CAIRN_MIGRATION_DATABASE_URL), the role that owns the schema, takes an \
            advisory lock, and applies each numbered file not yet recorded in cairn.schema_migrations, each in its own \
            transaction. Running it again applies nothing. The roles and database themselves are created once by a \
            superuser with sql/bootstrap.sql.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .long,
        help: "Folder of NNNN_name.sql migrations (default: share/cairn/sql beside the binary, or the sql/ above it; or CAIRN_MIGRATIONS_DIR).")
    var migrations: String?

    func run() async throws {
        var settings = try global.settings()
        settings.override("migrations.directory", migrations)
        var logger = Logger(label: "cairn.migrate")
        logger.logLevel = settings.logLevel
        let url = try DatabaseURL(try settings.require("database.migration_url"))
        let directory =
            try settings.string("migrations.directory").map { URL(fileURLWithPath: $0) }
            ?? Migrator.defaultDirectory(executable: Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe"))
        let migrator = try Migrator(directory: directory)
        let report = try await migrator.run(url: url, logger: logger)
        print(
            "migrations: \(report.applied.count) applied\(report.applied.isEmpty ? "" : " (\(report.applied.map(String.init).joined(separator: ", ")))"), \(report.alreadyApplied.count) already applied on \(url)"
        )
    }
}
