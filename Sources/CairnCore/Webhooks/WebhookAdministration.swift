public import Foundation
public import Logging

/// What tenant admins do with webhooks: every target is vetted against the outbound policy before it is saved.
public struct WebhookAdministration: Sendable {
    public let store: any WebhookStore
    public let transport: any WebhookTransport

    public init(store: any WebhookStore, transport: any WebhookTransport) {
        self.store = store
        self.transport = transport
    }

    /// The webhook and its secret, which is never shown again.
    public func create(_ spec: WebhookSpec, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> (Webhook, WebhookSecret) {
        try await transport.vet(spec.url, logger: logger)
        let secret = WebhookSecret.generate()
        return (try await store.createWebhook(spec, secret: secret, by: actor, in: tenant, logger: logger), secret)
    }

    /// The updated webhook, and the new secret when the change rotated it.
    public func update(
        id: UUID, _ changes: WebhookChanges, by actor: Actor, in tenant: Tenant, logger: Logger
    ) async throws -> (Webhook, WebhookSecret?) {
        let spec = try changes.applied(to: try await store.webhook(id: id, in: tenant, logger: logger))
        if changes.url != nil { try await transport.vet(spec.url, logger: logger) }
        let secret = changes.rotateSecret ? WebhookSecret.generate() : nil
        return (try await store.updateWebhook(id: id, to: spec, newSecret: secret, by: actor, in: tenant, logger: logger), secret)
    }
}
