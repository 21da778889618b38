import ArgumentParser
import CairnCore
import CairnPostgres
import CairnServer
import Foundation
import Logging

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Follow a tenant's registry events.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a tenant's events as they happen, one JSON object per line.",
            discussion: """
                Listens like a server replica does (LISTEN cairn_events, reading the outbox as the application role), so no \
                event is skipped, even across a lost connection. Starts now, or after --after; stops after --limit events \
                or on Ctrl-C.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "The tenant's slug.")
        var tenant: String

        @Option(name: .long, parsing: .upToNextOption, help: "Only these event types (model_version.* matches a family).")
        var type: [String] = []

        @Option(name: .long, help: "Only events about this model.")
        var model: String?

        @Option(name: .long, help: "Start after this event id (default: now).")
        var after: Int64?

        @Option(name: .long, help: "Stop after this many events.")
        var limit: Int?

        func run() async throws {
            let settings = try global.settings()
            let logger = settings.commandLogger("cairn.events")
            let slug = try TenantSlug(tenant)
            let filter = try EventFilter(types: type.isEmpty ? nil : type, model: model)
            let url = try DatabaseURL(try settings.require("database.url"))
            let (after, limit) = (self.after, self.limit)
            try await settings.withDatabase(logger: logger) { database in
                let tenant = try await database.tenant(slug, logger: logger)
                let store = PostgresEventStore(database: database)
                let hub = EventHub()
                let relay = EventRelay(hub: hub, store: store, url: url, logger: logger)
                var start = after ?? 0
                if after == nil { start = try await store.latestEventID(tenantID: tenant.id, logger: logger) }
                let follower = EventFollower(
                    store: store, hub: hub, tenantID: tenant.id, filter: filter, limit: limit, heartbeat: .seconds(3600), logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await relay.run() }
                    defer { group.cancelAll() }
                    try await follower.run(
                        after: start,
                        deliver: { event in
                            FileHandle.standardOutput.write(Data(try event.json() + [UInt8(ascii: "\n")]))
                        }, heartbeat: {})
                }
            }
        }
    }
}
