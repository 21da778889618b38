import ArgumentParser
import CairnCore
import CairnJobs
import CairnPostgres
import Foundation
import Logging

struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts", abstract: "Check and tidy the artifact store.", subcommands: [Verify.self, CollectGarbage.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every stored file and report versions whose files are missing or corrupt.",
            discussion: """
                Reads each blob the tenant's version files reference (all tenants without --tenant), compares its SHA-256 \
                and length with the registry's record, stores the finding (shown in the files listing and at \
                GET /api/v1/tenants/{tenant}/artifacts/broken) and audits newly broken content. Exits 1 when anything is broken.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "Only this tenant (slug).")
        var tenant: String?

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.artifacts")
            let slug = try tenant.map { try TenantSlug($0) }
            let broken = try await settings.withDatabase(logger: logger) { database in
                let artifacts = try settings.artifactService(database: database)
                var broken = 0
                for tenant in try await Self.tenants(slug, database: database, logger: logger) {
                    let report = try await artifacts.verify(tenant, by: ArtifactMaintenance<ContinuousClock>.actor, logger: logger)
                    print(
                        "\(tenant.slug): \(report.checkedBlobs) blobs checked, \(report.intactBlobs) intact, \(report.brokenFiles.count) broken files"
                    )
                    for file in report.brokenFiles {
                        print(
                            "  \(file.integrity.state.rawValue.uppercased()) \(file.modelName) v\(file.version) \(file.path) sha256:\(file.digest.hex)"
                        )
                    }
                    broken += report.brokenFiles.count
                }
                return broken
            }
            if broken > 0 { throw ExitCode(1) }
        }

        static func tenants(_ slug: TenantSlug?, database: Database, logger: Logger) async throws -> [Tenant] {
            let store = PostgresTenantStore(database: database)
            guard let slug else { return try await store.allTenants(logger: logger) }
            guard let tenant = try await store.tenant(slug: slug, logger: logger) else { throw SettingsError("No tenant '\(slug)'.") }
            return [tenant]
        }
    }

    struct CollectGarbage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Delete stored content no version file references, and abandoned uploads.",
            discussion: """
                Safe while the server runs: each blob is deleted under a database lock that an upload of the same content \
                also takes, so content about to be referenced is kept.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "Only this tenant (slug).")
        var tenant: String?

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.artifacts")
            let slug = try tenant.map { try TenantSlug($0) }
            try await settings.withDatabase(logger: logger) { database in
                let artifacts = try settings.artifactService(database: database)
                for tenant in try await Verify.tenants(slug, database: database, logger: logger) {
                    let report = try await artifacts.collectGarbage(tenant, abandonedAfter: try settings.abandonedUploadAge, logger: logger)
                    print(
                        "\(tenant.slug): \(report.storedBlobs) blobs stored, \(report.removedBlobs) removed, \(report.abandonedUploads) abandoned uploads removed"
                    )
                }
            }
        }
    }
}
