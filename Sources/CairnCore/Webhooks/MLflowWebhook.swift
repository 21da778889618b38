import Crypto
public import Foundation

/// An MLflow webhook as an admin asks for it (`POST /api/2.0/mlflow/webhooks`), validated as MLflow's server does.
public struct MLflowWebhookSpec: Sendable, Equatable {
    public let name: String
    public let url: WebhookURL
    public let description: String
    /// `entity.action` in lower case, sorted, no repeats.
    public let events: [String]
    public let active: Bool

    /// The registry's MLflow events (`mlflow/entities/webhook.py: VALID_ENTITY_ACTIONS`, without the AI gateway's
    /// `budget_policy.exceeded`, which a registry never sends).
    public static let events: Set<String> = [
        "registered_model.created", "model_version.created", "model_version_tag.set", "model_version_tag.deleted",
        "model_version_alias.created", "model_version_alias.deleted", "prompt.created", "prompt_version.created", "prompt_tag.set",
        "prompt_tag.deleted", "prompt_version_tag.set", "prompt_version_tag.deleted", "prompt_alias.created", "prompt_alias.deleted",
    ]

    public init(name: String, url: String, description: String?, events: [String], active: Bool) throws(CairnError) {
        // Counted as the database counts (code points), so no length passes here and fails there.
        let name = String(name.trimmingWhitespace())
        guard (1...256).contains(name.unicodeScalars.count) else { throw .invalid("A webhook's name must be 1 to 256 characters.") }
        let description = description ?? ""
        guard description.unicodeScalars.count <= 1000 else { throw .invalid("A webhook's description is at most 1,000 characters.") }
        guard !events.isEmpty else { throw .invalid("A webhook needs at least one event.") }
        for event in events where !Self.events.contains(event) {
            if event == "budget_policy.exceeded" {
                throw .invalid("Cairn has no AI gateway, so 'budget_policy.exceeded' never fires; subscribe to registry events.")
            }
            throw .invalid("Invalid webhook event '\(event.prefix(100))'. Valid events: \(Self.events.sorted().joined(separator: ", ")).")
        }
        self.name = name
        self.url = try WebhookURL(url)
        self.description = description
        self.events = Array(Set(events)).sorted()
        self.active = active
    }

    /// An MLflow webhook secret as the admin chose it (MLflow signs with its UTF-8 bytes).
    public static func secret(_ raw: String) throws(CairnError) -> String {
        guard (1...1000).contains(raw.unicodeScalars.count) else { throw .invalid("A webhook secret is 1 to 1,000 characters.") }
        return raw
    }
}

/// A PATCH of an MLflow webhook: each field present replaces the stored one; `secret` "" removes the secret. Applied
/// to the webhook as the store reads it under its row lock, so concurrent changes of different fields both stay.
public struct MLflowWebhookChanges: Sendable, Equatable {
    public var name: String?
    public var url: String?
    public var description: String?
    public var events: [String]?
    public var active: Bool?
    public var secret: String?

    public init(name: String?, url: String?, description: String?, events: [String]?, active: Bool?, secret: String?) {
        self.name = name
        self.url = url
        self.description = description
        self.events = events
        self.active = active
        self.secret = secret
    }

    public func applied(to webhook: Webhook) throws(CairnError) -> MLflowWebhookSpec {
        try MLflowWebhookSpec(
            name: name ?? webhook.name ?? "", url: url ?? webhook.url, description: description ?? webhook.description,
            events: events ?? webhook.mlflowEvents ?? [], active: active ?? webhook.active)
    }

    /// nil: keep the secret; `.some(nil)`: remove it; else the new one, checked.
    public func newSecret() throws(CairnError) -> String?? {
        guard let secret else { return nil }
        return .some(secret.isEmpty ? nil : try MLflowWebhookSpec.secret(secret))
    }
}

/// An MLflow webhook message as MLflow's server sends one (`mlflow/webhooks/delivery.py`): a JSON body
/// `{"entity", "action", "timestamp", "data", "workspace"}`, `X-MLflow-Delivery-Id` and `X-MLflow-Timestamp`, and, when
/// the webhook has a secret, `X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "<delivery id>.<timestamp>.<body>">`.
public enum MLflowWebhookMessage {
    public static func body(event: String, data: JSONValue, at: Date, workspace: String) throws -> [UInt8] {
        struct Message: Encodable {
            let entity: String
            let action: String
            let timestamp: String
            let data: JSONValue
            let workspace: String
        }
        let split = event.split(separator: ".", maxSplits: 1).map(String.init)
        let message = Message(
            entity: split.first ?? event, action: split.count > 1 ? split[1] : "", timestamp: isoTimestamp(at), data: data,
            workspace: workspace)
        return Array(try JSONEncoder.stable().encode(message))
    }

    public static func headers(deliveryID: String, timestamp: Int, body: [UInt8], secret: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "Cairn-Webhooks/1 (MLflow)"), ("X-MLflow-Delivery-Id", deliveryID),
            ("X-MLflow-Timestamp", "\(timestamp)"),
        ]
        if let secret, !secret.isEmpty {
            headers.append(("X-MLflow-Signature", signature(secret: secret, deliveryID: deliveryID, timestamp: timestamp, body: body)))
        }
        return headers
    }

    public static func signature(secret: String, deliveryID: String, timestamp: Int, body: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(deliveryID).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// Python's `datetime.isoformat()` of a UTC time: microseconds and `+00:00` (the date and time as `RFC3339` writes
    /// them).
    static func isoTimestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000))).prefix(19)
        return seconds + String(format: ".%06lld+00:00", micros % 1_000_000)
    }
}

extension ClaimedDelivery {
    /// The request's headers and body for this delivery's flavor, the same bytes on every attempt (the timestamp
    /// and signature are the attempt's).
    public func message(timestamp: Int) throws -> (headers: [(name: String, value: String)], body: [UInt8]) {
        switch flavor {
        case .cairn:
            let body = try body()
            let secret = try WebhookSecret(parsing: secret ?? "")
            return (
                [
                    ("Content-Type", "application/json"), ("User-Agent", "Cairn-Webhooks/1"), ("webhook-id", messageID),
                    ("webhook-timestamp", "\(timestamp)"),
                    ("webhook-signature", secret.signature(messageID: messageID, timestamp: timestamp, body: body)),
                ], body
            )
        case .mlflow:
            let body = try MLflowWebhookMessage.body(event: type, data: payload ?? .object([:]), at: event?.at ?? createdAt, workspace: workspace)
            return (MLflowWebhookMessage.headers(deliveryID: messageID, timestamp: timestamp, body: body, secret: secret), body)
        }
    }
}
