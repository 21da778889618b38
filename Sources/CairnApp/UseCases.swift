public import CairnCore
import Logging

/// Every use case a surface calls, built once by the composition root. A route handler parses, calls one of these
/// and renders; it decides nothing.
public struct UseCases: Sendable {
    public let tenants: TenantAdministration
    public let registry: Registry
    public let lifecycle: Lifecycle
    public let aliases: Aliases
    public let deployments: Deployments
    public let files: Files
    public let proxy: ArtifactProxy
    public let retention: Retention
    public let tokens: Tokens
    public let webhooks: WebhookAdministration
    public let audit: AuditLog
    public let dashboard: Dashboard

    public init(
        tenants: TenantAdministration, registry: Registry, lifecycle: Lifecycle, aliases: Aliases, deployments: Deployments, files: Files,
        proxy: ArtifactProxy, retention: Retention, tokens: Tokens, webhooks: WebhookAdministration, audit: AuditLog,
        dashboard: Dashboard
    ) {
        self.tenants = tenants
        self.registry = registry
        self.lifecycle = lifecycle
        self.aliases = aliases
        self.deployments = deployments
        self.files = files
        self.proxy = proxy
        self.retention = retention
        self.tokens = tokens
        self.webhooks = webhooks
        self.audit = audit
        self.dashboard = dashboard
    }
}
