import ArgumentParser
import CairnCore
import CairnPostgres
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
            var logger = Logger(label: "cairn.audit")
            logger.logLevel = settings.logLevel
            let slug = try TenantSlug(tenant)
            let url = try DatabaseURL(try settings.require("database.url"))
            // A pooled client retries for ever; a command should say at once that the database is unreachable.
            do {
                let probe = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
                try await probe.close()
            } catch {
                throw SettingsError("Cannot connect to \(url): \(String(reflecting: error))")
            }
            let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
            let finding = try await withThrowingTaskGroup(of: AuditChainVerifier.Finding?.self) { group in
                group.addTask {
                    await client.run()
                    return nil
                }
                defer { group.cancelAll() }
                let database = Database(client: client)
                guard let tenant = try await PostgresTenantStore(database: database).tenant(slug: slug, logger: logger) else {
                    throw SettingsError("No tenant '\(slug)'.")
                }
                return try await PostgresAuditStore(database: database).verify(tenant: tenant, logger: logger)
            }
            print("\(slug): \(finding)")
            if case .broken = finding { throw ExitCode(1) }
        }
    }
}
