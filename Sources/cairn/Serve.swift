import ArgumentParser
import CairnServer
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the registry's HTTP server.",
        discussion: """
            Serves the JSON API under /api/v1 (described at /api/v1/openapi.json), /healthz, /readyz and /metrics. Connects \
            to PostgreSQL as the application role (database.url / CAIRN_DATABASE_URL) and authenticates people against \
            LDAP (ldap.*). Stops gracefully on SIGTERM or SIGINT.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Address to listen on (http.host, CAIRN_HTTP_HOST).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (http.port, CAIRN_HTTP_PORT).")
    var port: Int?

    @MainActor
    func installRuntime() throws {
        let settings = try self.settings()
        try ProcessRuntime(settings).install(logger: logger(settings))
    }

    func run() async throws {
        let settings = try self.settings()
        let logger = logger(settings)
        logger.info("starting", metadata: ["cairn.settings": "\(settings.redacted)"])
        let configuration = try ServerConfiguration(settings)
        let server = try Server(configuration, logger: logger)
        var group = ServiceGroupConfiguration(services: [server.application()], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A request still running after the grace period (a long upload) is cancelled; then the process exits.
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace
        group.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: group).run()
    }

    private func settings() throws -> Settings {
        var settings = try global.settings()
        settings.override("http.host", host)
        settings.override("http.port", port.map(String.init))
        return settings
    }

    private func logger(_ settings: Settings) -> Logger {
        var logger = Logger(label: "cairn")
        logger.logLevel = settings.logLevel
        return logger
    }
}
