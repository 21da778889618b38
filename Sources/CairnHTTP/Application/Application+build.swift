public import CairnCore
import Foundation
public import Hummingbird
public import Logging
public import ServiceLifecycle

/// The live parts the HTTP layer is built on. Everything is a port from CairnCore, so tests and the executable
/// wire in whichever implementations they need.
public struct Dependencies: Sendable {
    public var tenants: any TenantStore
    public var registry: any RegistryStore
    public var tokens: any TokenStore
    public var audit: any AuditStore
    public var lifecycle: any LifecycleStore
    public var aliases: any AliasStore
    public var deployments: any DeploymentStore
    public var artifacts: ArtifactService
    public var events: EventStreams
    public var webhooks: WebhookAdministration
    public var retention: any RetentionStore
    public var directory: any Directory
    /// Whether the database answers (for /readyz).
    public var databaseReady: @Sendable (Logger) async -> Bool
    public var platformAdminGroup: DistinguishedName?
    public var tokenMaxLifetime: Duration
    public var userThrottle: LoginThrottle.Policy
    public var addressThrottle: LoginThrottle.Policy
    /// How long one readiness check answers every probe.
    public var probeFreshness: Duration

    public init(
        tenants: any TenantStore, registry: any RegistryStore, tokens: any TokenStore, audit: any AuditStore,
        lifecycle: any LifecycleStore, aliases: any AliasStore, deployments: any DeploymentStore, artifacts: ArtifactService,
        events: EventStreams,
        webhooks: WebhookAdministration,
        retention: any RetentionStore,
        directory: any Directory,
        databaseReady: @escaping @Sendable (Logger) async -> Bool, platformAdminGroup: DistinguishedName?,
        tokenMaxLifetime: Duration = .seconds(90 * 86_400),
        userThrottle: LoginThrottle.Policy = .init(freeFailures: 5, baseDelay: .seconds(1), maxDelay: .seconds(60)),
        addressThrottle: LoginThrottle.Policy = .init(freeFailures: 20, baseDelay: .seconds(1), maxDelay: .seconds(60)),
        probeFreshness: Duration = .seconds(2)
    ) {
        self.tenants = tenants
        self.registry = registry
        self.tokens = tokens
        self.audit = audit
        self.lifecycle = lifecycle
        self.aliases = aliases
        self.deployments = deployments
        self.artifacts = artifacts
        self.events = events
        self.webhooks = webhooks
        self.retention = retention
        self.directory = directory
        self.databaseReady = databaseReady
        self.platformAdminGroup = platformAdminGroup
        self.tokenMaxLifetime = tokenMaxLifetime
        self.userThrottle = userThrottle
        self.addressThrottle = addressThrottle
        self.probeFreshness = probeFreshness
    }
}

public struct HTTPSettings: Sendable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The router and the declared access of every /api/v1 endpoint.
public func buildRouter(_ dependencies: Dependencies) -> (router: Router<CairnRequestContext>, endpoints: [Endpoint]) {
    let router = Router(context: CairnRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))

    router.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
    let probe = ReadinessProbe(freshFor: dependencies.probeFreshness) { logger in await Readiness.check(dependencies, logger: logger) }
    router.get("readyz") { _, context in
        let readiness = await probe.current(logger: context.logger)
        return try Response.json(JSONValue.object(readiness.body), status: readiness.ready ? .ok : .serviceUnavailable)
    }
    router.get("metrics") { _, context in
        let readiness = await probe.current(logger: context.logger)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: readiness.prometheus)))
    }
    router.get("api/v1/openapi.json") { _, _ in try OpenAPIDocument.response() }

    let throttles = LoginThrottles(user: dependencies.userThrottle, address: dependencies.addressThrottle)
    let api = router.group("api/v1").add(
        middleware: AuthenticationMiddleware(
            directory: dependencies.directory, tenants: dependencies.tenants, tokens: dependencies.tokens, throttles: throttles))
    let routes = APIRoutes(group: api, tenants: dependencies.tenants, platformAdminGroup: dependencies.platformAdminGroup)
    routes.addTenantRoutes(tenants: dependencies.tenants)
    routes.addModelRoutes(registry: dependencies.registry)
    routes.addVersionRoutes(registry: dependencies.registry)
    routes.addTokenRoutes(tokens: dependencies.tokens, maxLifetime: dependencies.tokenMaxLifetime)
    routes.addAuditRoutes(audit: dependencies.audit)
    routes.addLifecycleRoutes(lifecycle: dependencies.lifecycle)
    routes.addAliasRoutes(aliases: dependencies.aliases)
    routes.addDeploymentRoutes(deployments: dependencies.deployments)
    routes.addModelCardRoutes(registry: dependencies.registry)
    routes.addArtifactRoutes(artifacts: dependencies.artifacts)
    routes.addEventRoutes(events: dependencies.events, directory: dependencies.directory, tokens: dependencies.tokens)
    routes.addWebhookRoutes(webhooks: dependencies.webhooks)
    routes.addRetentionRoutes(retention: dependencies.retention, artifacts: dependencies.artifacts)
    let open = ["healthz", "readyz", "metrics", "api/v1/openapi.json"].map { Endpoint(method: .get, path: "/" + $0, access: .open) }
    return (router, open + routes.endpoints)
}

public func buildApplication(
    _ dependencies: Dependencies, http: HTTPSettings, services: [any Service], logger: Logger
) -> some ApplicationProtocol {
    let (router, _) = buildRouter(dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(http.host, port: http.port), serverName: "cairn"),
        services: services,
        logger: logger)
}
