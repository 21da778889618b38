public import CairnAPI
public import CairnApp
import CairnArtifacts
import CairnConsole
public import CairnCore
public import CairnHTTPKit
import CairnJobs
import CairnLDAP
import CairnMLflow
import CairnOutbound
public import CairnPostgres
public import Foundation
public import Hummingbird
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// The one composition root: builds the live parts from a configuration, and the application on them.
/// `cairn serve` and every HTTP test build it; a test differs only by what it injects.
public struct Server {
    /// What a caller may put in place of a part built from the configuration.
    public struct Injected: Sendable {
        /// A pool the caller runs (the tests' shared one); nil: a pool from `database.url`, run as a service.
        public var database: Database?
        /// In place of the LDAP directory of `ldap.*` (still behind the cache).
        public var directory: (any Directory)?
        /// In place of a file store under `artifacts.root`.
        public var blobs: (any BlobStore)?
        /// An event relay the caller runs (the tests' one LISTEN connection for the whole process), whose hub feeds
        /// this server's event streams; nil: the server's own relay, run as a service.
        public var relay: EventRelay?
        /// The wall clock of login throttles, the directory cache and token checks.
        public var now: @Sendable () -> Date

        public init(
            database: Database? = nil, directory: (any Directory)? = nil, blobs: (any BlobStore)? = nil, relay: EventRelay? = nil,
            now: @escaping @Sendable () -> Date = Date.init
        ) {
            self.database = database
            self.directory = directory
            self.blobs = blobs
            self.relay = relay
            self.now = now
        }
    }

    public let configuration: ServerConfiguration
    public let database: Database
    public let useCases: UseCases
    public let router: Router<CairnRequestContext>
    /// Every endpoint of every surface with its declared access.
    public let endpoints: [Endpoint]
    /// In dependency order: the pool (unless injected), the event relay, then the jobs this replica runs.
    public let services: [any Service]
    let logger: Logger

    public init(_ configuration: ServerConfiguration, injected: Injected = Injected(), logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        var services: [any Service] = []
        let database: Database
        if let shared = injected.database {
            database = shared
        } else {
            var pool = configuration.databaseURL.configuration
            pool.options.maximumConnections = configuration.databaseMaxConnections
            let client = PostgresClient(configuration: pool, backgroundLogger: logger)
            services.append(client)
            database = Database(client: client)
        }
        self.database = database

        let tenantStore = CachingTenantStore(PostgresTenantStore(database: database), ttl: configuration.accessCacheTTL, now: injected.now)
        let tokenStore = PostgresTokenStore(database: database)
        let directory = CachingDirectory(
            injected.directory ?? LDAPDirectory(configuration: configuration.ldap), ttl: configuration.directoryCacheTTL, now: injected.now)
        let blobs = try injected.blobs ?? FileBlobStore(root: configuration.artifactRoot, threads: configuration.artifactThreads)
        let artifacts = ArtifactService(blobs: blobs, store: PostgresArtifactStore(database: database), limits: configuration.artifactLimits)
        let webhookStore = PostgresWebhookStore(database: database)
        let transport = try HTTPWebhookTransport(policy: configuration.outbound, caFile: configuration.webhookCAFile)
        let retentionStore = PostgresRetentionStore(database: database)
        let eventStore = PostgresEventStore(database: database)

        let registry = Registry(store: PostgresRegistryStore(database: database))
        let files = Files(service: artifacts)
        let useCases = UseCases(
            tenants: TenantAdministration(store: tenantStore, platformAdminGroup: configuration.platformAdminGroup),
            registry: registry,
            lifecycle: Lifecycle(store: PostgresLifecycleStore(database: database)),
            aliases: Aliases(store: PostgresAliasStore(database: database)),
            deployments: Deployments(store: PostgresDeploymentStore(database: database)),
            files: files, proxy: ArtifactProxy(service: artifacts, registry: registry, files: files),
            retention: Retention(store: retentionStore, artifacts: artifacts),
            tokens: Tokens(store: tokenStore, maxLifetime: configuration.tokenMaxLifetime),
            webhooks: WebhookAdministration(store: webhookStore, transport: transport),
            audit: AuditLog(store: PostgresAuditStore(database: database)),
            dashboard: Dashboard(store: PostgresPortfolioStore(database: database)))
        self.useCases = useCases

        let relay: EventRelay
        if let shared = injected.relay {
            relay = shared
        } else {
            relay = EventRelay(
                hub: EventHub(bufferSize: configuration.eventSubscriberBuffer), store: eventStore, url: configuration.databaseURL, logger: logger)
            services.append(relay)
        }
        relay.accessChanges.register(tenantStore)
        let hub = relay.hub
        services += Self.jobs(configuration, database: database, artifacts: artifacts, webhooks: (webhookStore, transport), logger: logger)
        self.services = services

        let table = EndpointTable()
        let router = Router(context: CairnRequestContext.self)
        let metrics = ProcessMetrics.registry
        // Outside the error middleware, so refused requests are counted with the status they were answered with.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        HealthRoutes.register(
            on: router,
            checks: HealthChecks(
                database: { logger in await database.isReachable(logger: logger) },
                directory: { logger in await directory.isHealthy(logger: logger) },
                events: { logger in await relay.readiness(database: database, logger: logger) },
                webhookQueue: { logger in try? await webhookStore.queueTotals(logger: logger) }, freshness: configuration.probeFreshness),
            table: table)
        MetricsRoutes.register(on: router, registry: metrics, table: table)
        let throttles = LoginThrottles(user: configuration.userThrottle, address: configuration.addressThrottle, now: injected.now)
        let authentication = AuthenticationMiddleware(
            directory: directory, tenants: tenantStore, tokens: tokenStore, throttles: throttles, now: injected.now)
        let events = EventStreams(
            store: eventStore, hub: hub, heartbeat: configuration.eventHeartbeat, accessRecheck: configuration.eventAccessRecheck,
            maxStreamsPerCaller: configuration.maxStreamsPerCaller, directory: directory, tenants: tenantStore, tokens: tokenStore,
            platformAdminGroup: configuration.platformAdminGroup)
        APISurface.register(on: router, useCases: useCases, events: events, authentication: authentication, table: table)
        MLflowSurface.register(on: router, useCases: useCases, authentication: authentication, table: table)
        try ConsoleSurface.register(
            on: router, useCases: useCases,
            sessions: ConsoleSessions(
                store: PostgresSessionStore(database: database), directory: directory, lifetime: configuration.consoleSessions, now: injected.now),
            throttles: throttles, cookies: CookiePolicy(secure: configuration.consoleSecureCookies), table: table)
        self.router = router
        self.endpoints = table.endpoints
    }

    /// The background jobs this replica's configuration asks for.
    private static func jobs(
        _ configuration: ServerConfiguration, database: Database, artifacts: ArtifactService,
        webhooks: (store: PostgresWebhookStore, transport: HTTPWebhookTransport), logger: Logger
    ) -> [any Service] {
        var jobs: [any Service] = []
        if let interval = configuration.artifactSweepInterval {
            jobs.append(
                ArtifactMaintenance(
                    tenants: PostgresTenantStore(database: database), artifacts: artifacts, interval: interval,
                    abandonedAfter: configuration.abandonedUploadAge, clock: ContinuousClock(), logger: logger))
        }
        if let outbox = configuration.outboxMaintenance {
            jobs.append(OutboxMaintenance(store: PostgresEventStore(database: database), settings: outbox, clock: ContinuousClock(), logger: logger))
        }
        if let dispatcher = configuration.webhookDispatcher {
            jobs.append(
                WebhookDispatcher(
                    store: webhooks.store, transport: webhooks.transport, settings: dispatcher, clock: ContinuousClock(), logger: logger))
        }
        if let interval = configuration.retentionInterval {
            let store = PostgresRetentionStore(database: database)
            let runner = RetentionRunner(
                store: store, artifacts: artifacts, settings: configuration.retentionRunner, owner: Settings.holderName("serve"))
            jobs.append(
                RetentionScheduler(
                    store: store, runner: runner, interval: interval, tenants: configuration.retentionTenants, clock: ContinuousClock(),
                    logger: logger))
        }
        return jobs
    }

    /// The Hummingbird application serving the router, running the services.
    public func application() -> some ApplicationProtocol {
        Application(
            router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cairn"),
            services: services, logger: logger)
    }
}

// The router is a builder that `init` completes; nothing adds to it afterwards, so sharing the finished server is safe.
extension Server: @unchecked Sendable {}
