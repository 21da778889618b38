import ArgumentParser
import CairnCore
import CairnHTTP
import CairnJobs
import CairnLDAP
import CairnOutbound
import CairnPostgres
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the registry's HTTP server.",
        discussion: """
            Serves the JSON API under /api/v1 (described at /api/v1/openapi.json), /healthz and /readyz. Connects to \
            PostgreSQL as the application role (database.url / CAIRN_DATABASE_URL) and authenticates people against \
            LDAP (ldap.*). Stops gracefully on SIGTERM or SIGINT.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Address to listen on (http.host, CAIRN_HTTP_HOST).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (http.port, CAIRN_HTTP_PORT).")
    var port: Int?

    func run() async throws {
        var settings = try global.settings()
        settings.override("http.host", host)
        settings.override("http.port", port.map(String.init))
        var logger = Logger(label: "cairn")
        logger.logLevel = settings.logLevel
        logger.info("starting", metadata: ["cairn.settings": "\(settings.redacted)"])

        let databaseURL = try DatabaseURL(try settings.require("database.url"))
        let client = PostgresClient(configuration: databaseURL.configuration, backgroundLogger: logger)
        let database = Database(client: client)
        let adminGroup = settings.string("auth.platform_admin_group").map(DistinguishedName.init)
        let directory = CachingDirectory(
            LDAPDirectory(configuration: try settings.ldapConfiguration()), ttl: .seconds(try settings.int("ldap.cache_ttl_seconds")))
        let artifacts = try settings.artifactService(database: database)
        let hub = EventHub(bufferSize: try settings.int("events.subscriber_buffer"))
        let eventStore = PostgresEventStore(database: database)
        let relay = EventRelay(hub: hub, store: eventStore, url: databaseURL, logger: logger)
        var services: [any Service] = [client, relay]
        let sweepSeconds = try settings.int("artifacts.sweep_interval_seconds")
        if sweepSeconds > 0 {
            services.append(
                ArtifactMaintenance(
                    tenants: PostgresTenantStore(database: database), artifacts: artifacts, interval: .seconds(sweepSeconds),
                    abandonedAfter: try settings.abandonedUploadAge, clock: ContinuousClock(), logger: logger))
        }
        services.append(
            OutboxMaintenance(
                store: eventStore,
                settings: .init(
                    eventRetention: .seconds(try settings.int("events.retention_days") * 86_400),
                    deliveryRetention: .seconds(try settings.int("webhooks.delivery_retention_days") * 86_400),
                    interval: .seconds(try settings.int("events.prune_interval_seconds"))),
                clock: ContinuousClock(), logger: logger))
        let webhookStore = PostgresWebhookStore(database: database)
        let transport = try HTTPWebhookTransport(policy: try settings.outboundPolicy(), caFile: settings.string("webhooks.ca_file"))
        if let dispatcher = try settings.webhookDispatcher() {
            services.append(
                WebhookDispatcher(store: webhookStore, transport: transport, settings: dispatcher, clock: ContinuousClock(), logger: logger))
        }
        let retentionStore = PostgresRetentionStore(database: database)
        if let interval = try settings.retentionInterval() {
            let runner = RetentionRunner(
                store: retentionStore, artifacts: artifacts, settings: try settings.retentionRunner(), owner: Settings.holderName("serve"))
            services.append(
                RetentionScheduler(
                    store: retentionStore, runner: runner, interval: interval, tenants: try settings.tenantSlugs("retention.tenants"),
                    clock: ContinuousClock(),
                    logger: logger))
        }
        let dependencies = Dependencies(
            tenants: PostgresTenantStore(database: database),
            registry: PostgresRegistryStore(database: database),
            tokens: PostgresTokenStore(database: database),
            audit: PostgresAuditStore(database: database),
            lifecycle: PostgresLifecycleStore(database: database),
            aliases: PostgresAliasStore(database: database),
            deployments: PostgresDeploymentStore(database: database),
            artifacts: artifacts,
            events: EventStreams(
                store: eventStore, hub: hub, heartbeat: .seconds(try settings.int("events.heartbeat_seconds")),
                accessRecheck: .seconds(try settings.int("ldap.cache_ttl_seconds")),
                maxStreamsPerCaller: try settings.int("events.max_streams_per_caller"),
                status: { logger in await relay.readiness(database: database, logger: logger) }),
            webhooks: WebhookAdministration(store: webhookStore, transport: transport),
            retention: retentionStore,
            directory: directory,
            databaseReady: { logger in await database.isReachable(logger: logger) },
            platformAdminGroup: adminGroup,
            tokenMaxLifetime: .seconds(try settings.int("auth.token_max_days") * 86_400))
        let app = buildApplication(
            dependencies, http: HTTPSettings(host: try settings.require("http.host"), port: try settings.int("http.port")),
            services: services, logger: logger)
        try await app.runService()
    }
}
