public import CairnCore
public import Foundation
import Logging

/// What tenant admins do with webhooks: every target is vetted against the outbound policy before it is saved;
/// secrets are shown once.
public struct WebhookAdministration: Sendable {
    public let store: any WebhookStore
    public let transport: any WebhookTransport

    public init(store: any WebhookStore, transport: any WebhookTransport) {
        self.store = store
        self.transport = transport
    }

    /// Each surface manages its own flavor of webhook (`/api/v1` the native ones, the MLflow surface MLflow's); the
    /// delivery log and redelivery serve both.
    public func webhooks(_ scope: RequestScope) async throws -> [Webhook] {
        try await store.webhooks(in: scope.tenant, logger: scope.logger).filter { $0.flavor == .cairn }
    }

    public func webhook(_ id: UUID, _ scope: RequestScope) async throws -> Webhook {
        try await webhook(id, flavor: .cairn, scope)
    }

    func webhook(_ id: UUID, flavor: WebhookFlavor, _ scope: RequestScope) async throws -> Webhook {
        let webhook = try await store.webhook(id: id, in: scope.tenant, logger: scope.logger)
        guard webhook.flavor == flavor else { throw CairnError.notFound("Webhook not found.") }
        return webhook
    }

    /// The webhook and its secret, which is never shown again.
    public func create(_ spec: WebhookSpec, _ scope: RequestScope) async throws -> (Webhook, WebhookSecret) {
        try await transport.vet(spec.url, logger: scope.logger)
        let secret = WebhookSecret.generate()
        let webhook = try await store.createWebhook(spec, secret: secret, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook created", metadata: ["cairn.webhook": "\(webhook.id)"])
        return (webhook, secret)
    }

    /// The updated webhook, and the new secret when the change rotated it.
    public func update(_ id: UUID, _ changes: WebhookChanges, _ scope: RequestScope) async throws -> (Webhook, WebhookSecret?) {
        let spec = try changes.applied(to: try await webhook(id, scope))
        if changes.url != nil { try await transport.vet(spec.url, logger: scope.logger) }
        let secret = changes.rotateSecret ? WebhookSecret.generate() : nil
        let webhook = try await store.updateWebhook(
            id: id, to: spec, newSecret: secret, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook updated", metadata: ["cairn.webhook": "\(webhook.id)", "cairn.secret_rotated": "\(secret != nil)"])
        return (webhook, secret)
    }

    public func delete(_ id: UUID, _ scope: RequestScope) async throws {
        _ = try await webhook(id, scope)
        try await store.deleteWebhook(id: id, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook deleted", metadata: ["cairn.webhook": "\(id)"])
    }

    public func deliveries(of id: UUID, state: WebhookDelivery.State?, before: Int64?, limit: Int, _ scope: RequestScope) async throws
        -> (deliveries: [WebhookDelivery], next: Int64?)
    {
        try await store.deliveries(of: id, state: state, before: before, limit: limit, in: scope.tenant, logger: scope.logger)
    }

    public func redeliver(_ deliveryID: UUID, of id: UUID, _ scope: RequestScope) async throws -> WebhookDelivery {
        let delivery = try await store.redeliver(deliveryID, of: id, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook delivery queued again", metadata: ["cairn.delivery": "\(deliveryID)"])
        return delivery
    }

    public func ping(_ id: UUID, _ scope: RequestScope) async throws -> WebhookDelivery {
        _ = try await webhook(id, scope)
        return try await store.ping(id, by: scope.actor, in: scope.tenant, logger: scope.logger)
    }
}
