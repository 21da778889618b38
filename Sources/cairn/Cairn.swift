import ArgumentParser
import CairnServer

@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Cairn: a multi-tenant, governed model registry.",
        discussion: """
            Settings come from built-in defaults, then a YAML file (--config or CAIRN_CONFIG, see config/cairn.example.yaml), \
            then CAIRN_* environment variables, then flags.
            """,
        subcommands: [Serve.self, Migrate.self, AuditCommand.self, ArtifactsCommand.self, EventsCommand.self, RetentionCommand.self])

    /// As ArgumentParser's, except that `serve` first sets the process's threading up, on the main thread and before
    /// anything has started NIO's event loops (see `ProcessRuntime`).
    @MainActor
    static func main() async {
        do {
            var command = try parseAsRoot()
            if let serve = command as? Serve { try serve.installRuntime() }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "YAML settings file (default: $CAIRN_CONFIG if set).")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func settings() throws -> Settings {
        var settings = try Settings(file: config)
        settings.override("log.level", logLevel)
        return settings
    }
}
