import CairnCore
import CairnHTTPKit
import Foundation

struct WebhookDTO: Encodable {
    let id: String
    let url: String
    let description: String
    let eventTypes: Nullable<[String]>
    let model: Nullable<String>
    let active: Bool
    let createdAt: String
    let createdBy: String
    let updatedAt: String
    let updatedBy: String

    init(_ webhook: Webhook) {
        id = webhook.id.uuidString.lowercased()
        url = webhook.url
        description = webhook.description
        eventTypes = Nullable(webhook.eventTypes)
        model = Nullable(webhook.model)
        active = webhook.active
        createdAt = RFC3339.format(webhook.createdAt)
        createdBy = webhook.createdBy
        updatedAt = RFC3339.format(webhook.updatedAt)
        updatedBy = webhook.updatedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, url, description, model, active
        case eventTypes = "event_types"
        case createdAt = "created_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }
}

struct WebhookListDTO: Encodable {
    let webhooks: [WebhookDTO]
}

/// The answer to a create, or to a PATCH that rotated the secret: the only responses that contain the secret.
struct WebhookWithSecretDTO: Encodable {
    let webhook: WebhookDTO
    let secret: String?

    enum CodingKeys: String, CodingKey { case webhook, secret }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhook, forKey: .webhook)
        try container.encodeIfPresent(secret, forKey: .secret)
    }
}

struct DeliveryAttemptDTO: Encodable {
    let number: Int
    let at: String
    let durationMS: Int
    let status: Nullable<Int>
    let error: Nullable<String>
    let response: Nullable<String>

    init(_ attempt: DeliveryAttempt) {
        number = attempt.number
        at = RFC3339.format(attempt.at)
        durationMS = attempt.durationMilliseconds
        status = Nullable(attempt.status)
        error = Nullable(attempt.error)
        response = Nullable(attempt.response)
    }

    enum CodingKeys: String, CodingKey {
        case number, at, status, error, response
        case durationMS = "duration_ms"
    }
}

struct DeliveryDTO: Encodable {
    let id: String
    let webhookID: String
    let eventID: Nullable<Int64>
    let type: String
    let messageID: String
    let state: String
    let attempts: Int
    let nextAttemptAt: Nullable<String>
    let createdAt: String
    let deliveredAt: Nullable<String>
    let lastStatus: Nullable<Int>
    let lastError: Nullable<String>
    let attemptLog: [DeliveryAttemptDTO]

    init(_ delivery: WebhookDelivery) {
        id = delivery.id.uuidString.lowercased()
        webhookID = delivery.webhookID.uuidString.lowercased()
        eventID = Nullable(delivery.eventID)
        type = delivery.type
        messageID = delivery.messageID
        state = delivery.state.rawValue
        attempts = delivery.attempts
        nextAttemptAt = Nullable(delivery.nextAttemptAt.map(RFC3339.format))
        createdAt = RFC3339.format(delivery.createdAt)
        deliveredAt = Nullable(delivery.deliveredAt.map(RFC3339.format))
        lastStatus = Nullable(delivery.lastStatus)
        lastError = Nullable(delivery.lastError)
        attemptLog = delivery.attemptLog.map(DeliveryAttemptDTO.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, type, state, attempts
        case webhookID = "webhook_id"
        case eventID = "event_id"
        case messageID = "message_id"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case attemptLog = "attempt_log"
    }
}

struct DeliveryListDTO: Encodable {
    let deliveries: [DeliveryDTO]
    let nextPageToken: Nullable<String>

    enum CodingKeys: String, CodingKey {
        case deliveries
        case nextPageToken = "next_page_token"
    }
}

struct CreateWebhookBody: Decodable, StrictBody {
    let url: String
    let description: String?
    let eventTypes: [String]?
    let model: String?
    let active: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, description, model, active
        case eventTypes = "event_types"
    }

}

/// `event_types` and `model` may be set to null (every type, every model); absent fields stay as they are.
struct PatchWebhookBody: Decodable, StrictBody {
    let url: String?
    let description: String?
    let eventTypes: [String]??
    let model: String??
    let active: Bool?
    let rotateSecret: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, description, model, active
        case eventTypes = "event_types"
        case rotateSecret = "rotate_secret"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        eventTypes =
            c.contains(.eventTypes) ? .some(try c.decodeNil(forKey: .eventTypes) ? nil : try c.decode([String].self, forKey: .eventTypes)) : nil
        model = c.contains(.model) ? .some(try c.decodeNil(forKey: .model) ? nil : try c.decode(String.self, forKey: .model)) : nil
        active = try c.decodeIfPresent(Bool.self, forKey: .active)
        rotateSecret = try c.decodeIfPresent(Bool.self, forKey: .rotateSecret)
    }
}
