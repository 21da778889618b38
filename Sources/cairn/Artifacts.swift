import ArgumentParser
import CairnApp
import CairnCore
import CairnJobs
import CairnPostgres
import CairnServer
import Foundation
import Logging

struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts", abstract: "Check and tidy the artifact store.", subcommands: [Verify.self, CollectGarbage.self])

    /// The options both subcommands take, and running a body for each tenant they name.
    struct Scope: ParsableArguments {
        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "Only this tenant (slug); all tenants without it.")
        var tenant: String?

        /// Runs `body` for each tenant in turn; returns the sum of what it returned.
        func forEachTenant(_ body: @escaping @Sendable (ArtifactService, Tenant, Settings, Logger) async throws -> Int) async throws -> Int {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.artifacts")
            let slug = try tenant.map { try TenantSlug($0) }
            return try await settings.withDatabase(logger: logger) { database in
                let artifacts = try settings.artifactService(database: database)
                let store = PostgresTenantStore(database: database)
                let tenants: [Tenant]
                if let slug {
                    tenants = [try await database.tenant(slug, logger: logger)]
                } else {
                    tenants = try await store.allTenants(logger: logger)
                }
                var total = 0
                for tenant in tenants { total += try await body(artifacts, tenant, settings, logger) }
                return total
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash every stored file and report versions whose files are missing or corrupt.",
            discussion: """
                Reads each blob the tenant's version files reference, compares its SHA-256 and length with the registry's \
                record, stores the finding (shown in the files listing and at GET /api/v1/tenants/{tenant}/artifacts/broken) \
                and audits newly broken content. Exits 1 when anything is broken.
                """)

        @OptionGroup var scope: Scope

        func run() async throws {
            let broken = try await scope.forEachTenant { artifacts, tenant, _, logger in
                let report = try await artifacts.verify(tenant, by: ArtifactMaintenance<ContinuousClock>.actor, logger: logger)
                print("\(tenant.slug): \(report.checkedBlobs) blobs checked, \(report.intactBlobs) intact, \(report.brokenFiles.count) broken files")
                for file in report.brokenFiles {
                    print("  \(file.integrity.state.rawValue.uppercased()) \(file.modelName) v\(file.version) \(file.path) sha256:\(file.digest.hex)")
                }
                return report.brokenFiles.count
            }
            if broken > 0 { throw ExitCode(1) }
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

        @OptionGroup var scope: Scope

        func run() async throws {
            _ = try await scope.forEachTenant { artifacts, tenant, settings, logger in
                let report = try await artifacts.collectGarbage(tenant, abandonedAfter: try settings.abandonedUploadAge, logger: logger)
                print(
                    "\(tenant.slug): \(report.storedBlobs) blobs stored, \(report.removedBlobs) removed, \(report.abandonedUploads) abandoned uploads removed"
                )
                return report.removedBlobs
            }
        }
    }
}
