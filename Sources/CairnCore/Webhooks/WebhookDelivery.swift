public import Foundation

/// One message queued for one webhook, with its attempts. The message id (`webhook-id`) stays the same across
/// retries and redeliveries, so receivers can drop duplicates.
public struct WebhookDelivery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, delivered, dead
    }

    public let id: UUID
    public let webhookID: UUID
    public let eventID: Int64?
    public let type: String
    public let messageID: String
    public let state: State
    public let attempts: Int
    public let nextAttemptAt: Date?
    public let createdAt: Date
    public let deliveredAt: Date?
    public let lastStatus: Int?
    public let lastError: String?
    public let attemptLog: [DeliveryAttempt]

    public init(
        id: UUID, webhookID: UUID, eventID: Int64?, type: String, messageID: String, state: State, attempts: Int, nextAttemptAt: Date?,
        createdAt: Date, deliveredAt: Date?, lastStatus: Int?, lastError: String?, attemptLog: [DeliveryAttempt]
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventID = eventID
        self.type = type
        self.messageID = messageID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.attemptLog = attemptLog
    }
}

public struct DeliveryAttempt: Sendable, Equatable {
    public let number: Int
    public let at: Date
    public let durationMilliseconds: Int
    /// The receiver's status, when it answered.
    public let status: Int?
    /// Why the attempt failed without (or despite) an answer: refused target, connection error, timeout, redirect.
    public let error: String?
    /// The start of the receiver's answer, for diagnosis (at most 1 KiB).
    public let response: String?

    public init(number: Int, at: Date, durationMilliseconds: Int, status: Int?, error: String?, response: String?) {
        self.number = number
        self.at = at
        self.durationMilliseconds = durationMilliseconds
        self.status = status
        self.error = error.map(Self.printable)
        self.response = response.map(Self.printable)
    }

    /// A receiver's answer is stored as text, which holds no NUL: control characters (but tab and line breaks)
    /// become U+FFFD, so no answer can make its own attempt unrecordable.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar.properties.generalCategory == .control && !["\t", "\n", "\r"].contains(scalar) ? "\u{FFFD}" : scalar
                }))
    }

    public var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false && error == nil }
}

/// A delivery a dispatcher has leased: everything needed to send it, and the attempt number that fences its result.
public struct ClaimedDelivery: Sendable {
    public let tenantID: UUID
    public let deliveryID: UUID
    public let webhookID: UUID
    public let url: String
    /// A native webhook's `whsec_` secret; an MLflow webhook's chosen secret, or nil (unsigned).
    public let secret: String?
    public let messageID: String
    public let type: String
    /// The event, or nil for a ping.
    public let event: RegistryEvent?
    /// A ping's data, or an MLflow message's `data`.
    public let payload: JSONValue?
    public let flavor: WebhookFlavor
    /// The tenant's slug (MLflow messages name their workspace).
    public let workspace: String
    public let createdAt: Date
    /// This attempt's number (1-based, over the delivery's life).
    public let attempt: Int
    /// This attempt's number within the current round (a redelivery starts a new round).
    public let attemptInRound: Int

    public init(
        tenantID: UUID, deliveryID: UUID, webhookID: UUID, url: String, secret: String?, messageID: String, type: String, event: RegistryEvent?,
        payload: JSONValue?, createdAt: Date, attempt: Int, attemptInRound: Int, flavor: WebhookFlavor = .cairn, workspace: String = ""
    ) {
        self.flavor = flavor
        self.workspace = workspace
        self.tenantID = tenantID
        self.deliveryID = deliveryID
        self.webhookID = webhookID
        self.url = url
        self.secret = secret
        self.messageID = messageID
        self.type = type
        self.event = event
        self.payload = payload
        self.createdAt = createdAt
        self.attempt = attempt
        self.attemptInRound = attemptInRound
    }

    /// The Standard Webhooks body: `{"type", "timestamp", "data"}`, the same bytes on every attempt.
    public func body() throws -> [UInt8] {
        struct Message<Data: Encodable>: Encodable {
            let type: String
            let timestamp: String
            let data: Data
        }
        let encoder = JSONEncoder.stable()
        if let event {
            return Array(try encoder.encode(Message(type: type, timestamp: RFC3339.format(event.at), data: event)))
        }
        return Array(try encoder.encode(Message(type: type, timestamp: RFC3339.format(createdAt), data: payload ?? .object([:]))))
    }
}
