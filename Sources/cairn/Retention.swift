import ArgumentParser
import CairnCore
import CairnJobs
import CairnPostgres
import CairnServer
import Foundation
import Logging

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "Preview and run a tenant's retention policy.", subcommands: [Plan.self, Run.self])

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every action the tenant's policy would take now, with the rule that causes it; changes nothing.",
            discussion: """
                Prints one line per action (archive, purge, delete_tombstone), then the versions a rule reached but \
                protection keeps (Production, Staging, an alias, legal hold, a recent deployment, the latest version). \
                A run started now carries out exactly these actions.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "The tenant's slug.")
        var tenant: String

        @Flag(name: .long, help: "Also list the protected versions the rules reached.")
        var held = false

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.retention")
            let slug = try TenantSlug(tenant)
            let preview = try await settings.withDatabase(logger: logger) { database in
                let tenant = try await database.tenant(slug, logger: logger)
                return try await PostgresRetentionStore(database: database).preview(nil, now: Date(), in: tenant, logger: logger)
            }
            for action in preview.plan.actions {
                print("\(action.kind.rawValue)\t\(action.model)\t\(action.version)\trule '\(action.rule)': \(action.reason)")
            }
            if held {
                for version in preview.plan.held {
                    print("held\t\(version.model)\t\(version.version)\trule '\(version.rule)' would \(version.kind.rawValue): \(version.protection)")
                }
            }
            let counts = RetentionAction.Kind.allCases.map { "\(preview.plan.count($0)) \($0.rawValue)" }.joined(separator: ", ")
            print(
                "\(slug): policy revision \(preview.policyRevision.map(String.init) ?? "none"), \(preview.versions) versions: \(counts); "
                    + "\(preview.plan.held.count) held by protection")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the tenant's retention policy now, acting as the policy's author.",
            discussion: """
                Resumes the tenant's run if its holder died (its lease ran out); refuses while another holder is working \
                on it. Batches, lease and purged-content collection follow the server's settings (retention.*). The run \
                is recorded like a scheduled one (GET /api/v1/tenants/{t}/retention/runs).
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "The tenant's slug.")
        var tenant: String

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.retention")
            let slug = try TenantSlug(tenant)
            let runnerSettings = try settings.retentionRunner()
            let run = try await settings.withDatabase(logger: logger) { database in
                let tenant = try await database.tenant(slug, logger: logger)
                let store = PostgresRetentionStore(database: database)
                guard let policy = try await store.policy(in: tenant, logger: logger) else {
                    throw SettingsError("Tenant '\(slug)' has no retention policy.")
                }
                let runner = RetentionRunner(
                    store: store, artifacts: try settings.artifactService(database: database), settings: runnerSettings,
                    owner: Settings.holderName("cli"))
                return try await runner.run(.manual(by: Actor(username: policy.updatedBy)), tenant: tenant, logger: logger) { run in
                    logger.info("retention batch done", metadata: ["cairn.remaining": "\(run.counts.remaining)"])
                }
            }
            guard let run else { throw SettingsError("The run was not started.") }
            let c = run.counts
            print(
                "\(slug): run \(run.id.uuidString.lowercased()) \(run.state.rawValue): \(c.planned) planned, \(c.archived) archived, "
                    + "\(c.purged) purged, \(c.deleted) tombstones deleted, \(c.skipped) skipped")
            if run.state != .completed { throw ExitCode(1) }
        }
    }
}
