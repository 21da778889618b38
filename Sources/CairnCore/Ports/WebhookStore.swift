public import Foundation
public import Logging

/// Webhooks and their delivery queue. Deliveries are queued by the database in the transaction that writes the
/// event (sql/0010_webhooks.sql); this port manages webhooks and lets dispatchers lease and settle deliveries.
public protocol WebhookStore: Sendable {
    func createWebhook(_ spec: WebhookSpec, secret: WebhookSecret, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> Webhook
    func webhooks(in tenant: Tenant, logger: Logger) async throws -> [Webhook]
    func webhook(id: UUID, in tenant: Tenant, logger: Logger) async throws -> Webhook
    /// Replaces the webhook's settings and, when given, its secret.
    func updateWebhook(
        id: UUID, to spec: WebhookSpec, newSecret: WebhookSecret?, by actor: Actor, in tenant: Tenant, logger: Logger
    ) async throws -> Webhook
    /// An MLflow-flavored webhook (the MLflow surface's), with the secret its admin chose or none.
    func createMLflowWebhook(_ spec: MLflowWebhookSpec, secret: String?, by actor: Actor, in tenant: Tenant, logger: Logger) async throws
        -> Webhook
    /// Applies `changes` to an MLflow webhook as it is under its row lock.
    func updateMLflowWebhook(id: UUID, _ changes: MLflowWebhookChanges, by actor: Actor, in tenant: Tenant, logger: Logger) async throws
        -> Webhook
    /// An MLflow webhook's secret, for a test send.
    func mlflowSecret(of id: UUID, in tenant: Tenant, logger: Logger) async throws -> String?
    /// Removes the webhook, its queue and its delivery log (the audit log keeps the record).
    func deleteWebhook(id: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws
    /// Newest first; `before` is a delivery's sequence number from an earlier page.
    func deliveries(
        of webhookID: UUID, state: WebhookDelivery.State?, before: Int64?, limit: Int, in tenant: Tenant, logger: Logger
    ) async throws -> (deliveries: [WebhookDelivery], next: Int64?)
    /// Queues a delivered or dead-lettered delivery again, now, with a fresh round of attempts and the same message id.
    func redeliver(_ deliveryID: UUID, of webhookID: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> WebhookDelivery
    /// Queues a `webhook.ping` message.
    func ping(_ webhookID: UUID, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> WebhookDelivery

    /// Leases up to `limit` due deliveries across tenants, skipping rows other dispatchers hold, and at most one at a
    /// time per webhook and model so each receiver gets a model's events in commit order. A lease that is not
    /// settled within `lease` (the dispatcher died) makes the delivery due again. `tenants` limits the lease to
    /// those tenants (nil: all).
    func claimDueDeliveries(limit: Int, lease: Duration, tenants: [TenantSlug]?, logger: Logger) async throws -> [ClaimedDelivery]
    /// Logs the attempt and settles the delivery: delivered, due again after `retryIn` (database time), or
    /// dead-lettered when `retryIn` is nil. Only the attempt is logged when the lease was lost to a later attempt.
    func settle(_ claimed: ClaimedDelivery, attempt: DeliveryAttempt, retryIn: Duration?, logger: Logger) async throws
    /// Queue depth over all tenants (counts only), for readiness and metrics.
    func queueTotals(logger: Logger) async throws -> WebhookQueueTotals
}

public struct WebhookQueueTotals: Sendable, Equatable {
    public let pending: Int
    /// Pending and due now: what dispatchers should be sending.
    public let due: Int
    public let dead: Int
    /// How long the oldest due delivery has been waiting (0 when none is due).
    public let oldestDueSeconds: Double

    public init(pending: Int, due: Int, dead: Int, oldestDueSeconds: Double) {
        self.pending = pending
        self.due = due
        self.dead = dead
        self.oldestDueSeconds = oldestDueSeconds
    }
}

/// Sends one signed webhook request to the address the policy allows, without following redirects.
public protocol WebhookTransport: Sendable {
    /// Refuses a URL whose host resolves to an address the policy does not allow.
    func vet(_ url: WebhookURL, logger: Logger) async throws
    func send(_ request: WebhookRequest, logger: Logger) async throws -> WebhookResponse
}

public struct WebhookRequest: Sendable {
    public let url: WebhookURL
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    public let timeout: Duration

    public init(url: WebhookURL, headers: [(name: String, value: String)], body: [UInt8], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct WebhookResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    /// The start of the body (at most 1 KiB), lossily decoded.
    public let excerpt: String

    public init(status: Int, headers: [(name: String, value: String)], excerpt: String) {
        self.status = status
        self.headers = headers
        self.excerpt = excerpt
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
