import ArgumentParser
import CairnCore
import CairnPostgres
import CairnServer
import Foundation
import Logging
import PostgresNIO

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Work with a tenant's tamper-evident audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a tenant's audit chain and name the first broken entry.",
            discussion: """
                Reads every entry of the tenant in order (as the application role, database.url) and recomputes each hash \
                independently of the database: numbering without gaps, each entry linked to the previous one's hash, each \
                hash matching the entry's content, and the chain ending at the recorded head. Exits 0 when intact, 1 when \
                broken.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "The tenant's slug.")
        var tenant: String

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.audit")
            let slug = try TenantSlug(tenant)
            let finding = try await settings.withDatabase(logger: logger) { database in
                let tenant = try await database.tenant(slug, logger: logger)
                return try await PostgresAuditStore(database: database).verify(tenant: tenant, logger: logger)
            }
            print("\(slug): \(finding)")
            if case .broken = finding { throw ExitCode(1) }
        }
    }
}
