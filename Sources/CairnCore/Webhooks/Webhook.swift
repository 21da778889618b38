public import Foundation

/// A tenant's subscription of an HTTP endpoint to its events.
public struct Webhook: Sendable, Equatable {
    public let id: UUID
    public let url: String
    public let description: String
    /// Event types (`model_version.stage_changed`, `model_version.*`); nil for every type.
    public let eventTypes: [String]?
    /// Only this model's events, when set.
    public let model: String?
    public let active: Bool
    public let createdAt: Date
    public let createdBy: String
    public let updatedAt: Date
    public let updatedBy: String
    /// Which surface's webhook this is: its message format, signature and event names.
    public let flavor: WebhookFlavor
    /// An MLflow webhook's name.
    public let name: String?
    /// An MLflow webhook's events (`model_version.created`, …), sorted.
    public let mlflowEvents: [String]?

    public init(
        id: UUID, url: String, description: String, eventTypes: [String]?, model: String?, active: Bool, createdAt: Date, createdBy: String,
        updatedAt: Date, updatedBy: String, flavor: WebhookFlavor = .cairn, name: String? = nil, mlflowEvents: [String]? = nil
    ) {
        self.flavor = flavor
        self.name = name
        self.mlflowEvents = mlflowEvents
        self.id = id
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.model = model
        self.active = active
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    /// What the audit log keeps: never the secret.
    public var auditJSON: JSONValue {
        var members: JSONObject = [
            "id": .string(id.uuidString.lowercased()), "url": .string(Self.redacted(url)), "description": .string(description),
            "event_types": eventTypes.map { .array($0.map(JSONValue.string)) } ?? .null, "model": model.map(JSONValue.string) ?? .null,
            "active": .bool(active),
        ]
        if flavor == .mlflow {
            members["flavor"] = .string(flavor.rawValue)
            members["name"] = name.map(JSONValue.string) ?? .null
            members["mlflow_events"] = .array((mlflowEvents ?? []).map(JSONValue.string))
        }
        return .object(members)
    }
}

extension Webhook {
    /// A URL as the audit log keeps it: receivers often carry a token in the user info or the query, and approvers
    /// (who read the audit log) may not see webhook secrets, so both are replaced by a marker.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparseable URL>" }
        if components.user != nil || components.password != nil {
            components.user = "redacted"
            components.password = nil
        }
        if components.query != nil { components.query = "redacted" }
        components.fragment = nil
        return components.string ?? "<unparseable URL>"
    }
}

public enum WebhookFlavor: String, Sendable, Equatable {
    /// `/api/v1`'s: Standard Webhooks messages of Cairn's events, signed with a generated `whsec_` secret.
    case cairn
    /// The MLflow surface's: MLflow's event names and message shape, signed (when a secret was set) as MLflow signs.
    case mlflow
}

/// A webhook as an admin asks for it, validated.
public struct WebhookSpec: Sendable, Equatable {
    public let url: WebhookURL
    public let description: String
    public let filter: EventFilter
    public let active: Bool

    public init(url: String, description: String?, eventTypes: [String]?, model: String?, active: Bool?) throws(CairnError) {
        self.url = try WebhookURL(url)
        let description = description ?? ""
        guard description.count <= 1000 else { throw .invalid("A webhook's description is at most 1,000 characters.") }
        if let eventTypes, eventTypes.isEmpty { throw .invalid("'event_types' may not be empty; leave it out (or null) for every type.") }
        if let model, model.isEmpty || model.count > 256 { throw .invalid("'model' must be a model name.") }
        self.description = description
        filter = try EventFilter(types: eventTypes.map { Array(Set($0)).sorted() }, model: model)
        self.active = active ?? true
    }
}

/// A PATCH: each field replaces the stored one when present; `model` and `eventTypes` may be set to null.
public struct WebhookChanges: Sendable, Equatable {
    public var url: String?
    public var description: String?
    public var eventTypes: [String]??
    public var model: String??
    public var active: Bool?
    public var rotateSecret: Bool

    public init(url: String?, description: String?, eventTypes: [String]??, model: String??, active: Bool?, rotateSecret: Bool) {
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.model = model
        self.active = active
        self.rotateSecret = rotateSecret
    }

    /// The webhook after these changes, validated as a whole.
    public func applied(to webhook: Webhook) throws(CairnError) -> WebhookSpec {
        try WebhookSpec(
            url: url ?? webhook.url, description: description ?? webhook.description, eventTypes: eventTypes ?? webhook.eventTypes,
            model: model ?? webhook.model, active: active ?? webhook.active)
    }
}
