public import CairnConsole
public import CairnCore
public import CairnJobs
public import CairnLDAP
public import CairnPostgres
public import Foundation
public import Logging

/// Everything `Server` is built from, typed and checked: read from `Settings` (the documented keys and
/// environment names). Tests start from the same reading and adjust a field (a shorter cache, a stricter
/// throttle), never the wiring.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// How long a stopping server lets requests finish before it cancels them.
    public var shutdownGrace: Duration
    public var databaseURL: DatabaseURL
    /// The pool's ceiling of connections to PostgreSQL.
    public var databaseMaxConnections: Int
    public var ldap: LDAPConfiguration
    public var directoryCacheTTL: Duration
    /// How long a replica trusts a cached tenant or role when its listener hears no change (zero: no cache).
    public var accessCacheTTL: Duration
    public var platformAdminGroup: DistinguishedName?
    public var tokenMaxLifetime: Duration
    public var userThrottle: LoginThrottle.Policy
    public var addressThrottle: LoginThrottle.Policy
    /// Console sessions: idle and absolute expiry, and when their cookies are `Secure`.
    public var consoleSessions: SessionLifetime
    public var consoleSecureCookies: CookiePolicy.Secure
    /// How long one readiness check answers every probe.
    public var probeFreshness: Duration

    public var artifactRoot: String
    public var artifactThreads: Int
    public var artifactLimits: ArtifactLimits
    /// nil: this replica runs no artifact sweep.
    public var artifactSweepInterval: Duration?
    public var abandonedUploadAge: Duration

    public var eventHeartbeat: Duration
    public var eventSubscriberBuffer: Int
    /// How often an event stream re-checks its caller's access (the directory cache's TTL by default).
    public var eventAccessRecheck: Duration
    public var maxStreamsPerCaller: Int
    /// nil: this replica does not prune the outbox.
    public var outboxMaintenance: OutboxMaintenance<ContinuousClock>.Settings?

    public var outbound: OutboundPolicy
    public var webhookCAFile: String?
    /// nil: this replica delivers no webhooks.
    public var webhookDispatcher: WebhookDispatcher<ContinuousClock>.Settings?

    /// nil: this replica runs no retention schedule.
    public var retentionInterval: Duration?
    public var retentionRunner: RetentionRunner.Settings
    public var retentionTenants: [TenantSlug]?

    public var logLevel: Logger.Level

    public init(_ settings: Settings) throws {
        host = try settings.require("http.host")
        port = try settings.int("http.port")
        let grace = try settings.int("http.shutdown_grace_seconds")
        guard grace > 0 else { throw SettingsError("http.shutdown_grace_seconds must be positive") }
        shutdownGrace = .seconds(grace)
        databaseURL = try DatabaseURL(try settings.require("database.url"))
        databaseMaxConnections = try settings.databaseMaxConnections
        ldap = try settings.ldapConfiguration()
        directoryCacheTTL = .seconds(try settings.int("ldap.cache_ttl_seconds"))
        accessCacheTTL = .seconds(try settings.int("auth.access_cache_ttl_seconds"))
        platformAdminGroup = settings.string("auth.platform_admin_group").map(DistinguishedName.init)
        tokenMaxLifetime = .seconds(try settings.int("auth.token_max_days") * 86_400)
        userThrottle = .init(freeFailures: try settings.int("auth.login_failures_per_user"), baseDelay: .seconds(1), maxDelay: .seconds(60))
        addressThrottle = .init(freeFailures: try settings.int("auth.login_failures_per_address"), baseDelay: .seconds(1), maxDelay: .seconds(60))
        probeFreshness = .seconds(2)
        consoleSessions = try SessionLifetime(
            idle: .seconds(try settings.int("console.idle_minutes") * 60), absolute: .seconds(try settings.int("console.absolute_hours") * 3600))
        let secure = try settings.require("console.secure_cookies")
        guard let cookies = CookiePolicy.Secure(rawValue: secure) else {
            throw SettingsError("console.secure_cookies must be auto (Secure over TLS or behind a proxy saying https) or always")
        }
        consoleSecureCookies = cookies

        artifactRoot = try settings.require("artifacts.root")
        artifactThreads = try settings.int("artifacts.io_threads")
        guard artifactThreads > 0 else { throw SettingsError("artifacts.io_threads must be positive") }
        artifactLimits = try settings.artifactLimits
        let sweepSeconds = try settings.int("artifacts.sweep_interval_seconds")
        artifactSweepInterval = sweepSeconds > 0 ? .seconds(sweepSeconds) : nil
        abandonedUploadAge = try settings.abandonedUploadAge

        eventHeartbeat = .seconds(try settings.int("events.heartbeat_seconds"))
        eventSubscriberBuffer = try settings.int("events.subscriber_buffer")
        eventAccessRecheck = directoryCacheTTL
        maxStreamsPerCaller = try settings.int("events.max_streams_per_caller")
        let pruneSeconds = try settings.int("events.prune_interval_seconds")
        outboxMaintenance =
            pruneSeconds > 0
            ? .init(
                eventRetention: .seconds(try settings.int("events.retention_days") * 86_400),
                deliveryRetention: .seconds(try settings.int("webhooks.delivery_retention_days") * 86_400), interval: .seconds(pruneSeconds))
            : nil

        outbound = try settings.outboundPolicy()
        webhookCAFile = settings.string("webhooks.ca_file")
        webhookDispatcher = try settings.webhookDispatcher()

        retentionInterval = try settings.retentionInterval()
        retentionRunner = try settings.retentionRunner()
        retentionTenants = try settings.tenantSlugs("retention.tenants")
        logLevel = settings.logLevel
    }
}
