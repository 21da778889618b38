public import CairnCore
public import Foundation
import Logging

/// The MLflow surface's webhooks: the same durable queue, dispatchers, retries and outbound policy as native ones,
/// with MLflow's events, message shape and signature.
extension WebhookAdministration {
    public func mlflowWebhooks(_ scope: RequestScope) async throws -> [Webhook] {
        try await store.webhooks(in: scope.tenant, logger: scope.logger).filter { $0.flavor == .mlflow }
    }

    public func mlflowWebhook(_ id: UUID, _ scope: RequestScope) async throws -> Webhook {
        try await webhook(id, flavor: .mlflow, scope)
    }

    public func createMLflow(_ spec: MLflowWebhookSpec, secret: String?, _ scope: RequestScope) async throws -> Webhook {
        try await transport.vet(spec.url, logger: scope.logger)
        let webhook = try await store.createMLflowWebhook(
            spec, secret: try secret.flatMap { $0.isEmpty ? nil : try MLflowWebhookSpec.secret($0) }, by: scope.actor, in: scope.tenant,
            logger: scope.logger)
        scope.logger.info("webhook created", metadata: ["cairn.webhook": "\(webhook.id)", "cairn.flavor": "mlflow"])
        return webhook
    }

    /// A PATCH (see `MLflowWebhookChanges`); a new URL is vetted before it is saved.
    public func updateMLflow(_ id: UUID, _ changes: MLflowWebhookChanges, _ scope: RequestScope) async throws -> Webhook {
        _ = try await mlflowWebhook(id, scope)
        if let url = changes.url { try await transport.vet(try WebhookURL(url), logger: scope.logger) }
        let webhook = try await store.updateMLflowWebhook(id: id, changes, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook updated", metadata: ["cairn.webhook": "\(id)", "cairn.flavor": "mlflow"])
        return webhook
    }

    public func deleteMLflow(_ id: UUID, _ scope: RequestScope) async throws {
        _ = try await mlflowWebhook(id, scope)
        try await store.deleteWebhook(id: id, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("webhook deleted", metadata: ["cairn.webhook": "\(id)", "cairn.flavor": "mlflow"])
    }

    /// Sends one example message now, outside the queue (MLflow's `test_webhook`): `event` or the webhook's first
    /// event, with `example(event)` as its data. The URL is vetted as for every delivery.
    public func testMLflow(_ id: UUID, event: String?, example: (String) -> JSONValue, timeout: Duration, _ scope: RequestScope) async throws
        -> WebhookTestResult
    {
        let webhook = try await mlflowWebhook(id, scope)
        let chosen = event ?? webhook.mlflowEvents?.first ?? "registered_model.created"
        guard MLflowWebhookSpec.events.contains(chosen) else {
            throw CairnError.invalid("Invalid webhook event '\(chosen.prefix(100))'.")
        }
        let secret = try await store.mlflowSecret(of: id, in: scope.tenant, logger: scope.logger)
        do {
            let url = try WebhookURL(webhook.url)
            try await transport.vet(url, logger: scope.logger)
            let body = try MLflowWebhookMessage.body(event: chosen, data: example(chosen), at: Date(), workspace: scope.tenant.slug.value)
            let headers = MLflowWebhookMessage.headers(
                deliveryID: UUID().uuidString.lowercased(), timestamp: Int(Date().timeIntervalSince1970), body: body, secret: secret)
            let response = try await transport.send(WebhookRequest(url: url, headers: headers, body: body, timeout: timeout), logger: scope.logger)
            scope.logger.info("webhook tested", metadata: ["cairn.webhook": "\(id)", "cairn.status": "\(response.status)"])
            return WebhookTestResult(success: response.status < 400, status: response.status, body: response.excerpt, error: nil)
        } catch let error as CairnError {
            return WebhookTestResult(success: false, status: nil, body: nil, error: "Failed to test webhook: \(error.message)")
        } catch {
            return WebhookTestResult(success: false, status: nil, body: nil, error: "Failed to test webhook: \(error)")
        }
    }
}

/// What one test send found.
public struct WebhookTestResult: Sendable, Equatable {
    public let success: Bool
    public let status: Int?
    public let body: String?
    public let error: String?

    public init(success: Bool, status: Int?, body: String?, error: String?) {
        self.success = success
        self.status = status
        self.body = body
        self.error = error
    }
}
