public import Foundation
import Synchronization

/// One published change, as the outbox (sql/0009_events.sql) recorded it. Ids increase in commit order within a
/// tenant; consumers resume after the last id they saw.
public struct RegistryEvent: Sendable, Equatable {
    public let id: Int64
    public let tenantID: UUID
    /// The audit action: `model_version.created`, `model_version.stage_changed`, `transition_request.approved`, …
    public let type: String
    public let objectType: String
    public let objectID: String
    public let model: String?
    public let version: Int?
    /// `{"before": …, "after": …}`, each present when the change has one.
    public let payload: JSONValue
    public let actor: String
    public let requestID: String?
    public let at: Date
    /// Shared by every copy of this event: one replica's subscribers all send the same bytes, encoded once.
    private let encoding = EncodingCache()

    public init(
        id: Int64, tenantID: UUID, type: String, objectType: String, objectID: String, model: String?, version: Int?, payload: JSONValue,
        actor: String, requestID: String?, at: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.objectType = objectType
        self.objectID = objectID
        self.model = model
        self.version = version
        self.payload = payload
        self.actor = actor
        self.requestID = requestID
        self.at = at
    }
}

/// The JSON form (SSE `data`, `cairn events tail`, webhooks): snake_case, nulls written out, no tenant id.
extension RegistryEvent: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, type, model, version, payload, actor, at
        case objectType = "object_type"
        case objectID = "object_id"
        case requestID = "request_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(objectType, forKey: .objectType)
        try container.encode(objectID, forKey: .objectID)
        if let model { try container.encode(model, forKey: .model) } else { try container.encodeNil(forKey: .model) }
        if let version { try container.encode(version, forKey: .version) } else { try container.encodeNil(forKey: .version) }
        try container.encode(payload, forKey: .payload)
        try container.encode(actor, forKey: .actor)
        if let requestID { try container.encode(requestID, forKey: .requestID) } else { try container.encodeNil(forKey: .requestID) }
        try container.encode(RFC3339.format(at), forKey: .at)
    }
}

extension RegistryEvent {
    /// The JSON form, encoded on first use and then shared (a fan-out to 1,000 streams encodes each event once).
    public func json() throws -> [UInt8] {
        try encoding.value { Array(try JSONEncoder.stable().encode(self)) }
    }
}

/// Not part of an event's identity: two equal events compare equal whatever each has cached.
private final class EncodingCache: Sendable, Equatable {
    private let bytes = Mutex<[UInt8]?>(nil)

    func value(_ make: () throws -> [UInt8]) throws -> [UInt8] {
        if let cached = bytes.withLock({ $0 }) { return cached }
        let made = try make()
        bytes.withLock { $0 = made }
        return made
    }

    static func == (_: EncodingCache, _: EncodingCache) -> Bool { true }
}

/// Which events a consumer wants: all when a field is nil. Types may end in `.*` (`model_version.*`).
public struct EventFilter: Sendable, Equatable {
    public let types: [String]?
    public let model: String?

    public init(types: [String]? = nil, model: String? = nil) throws(CairnError) {
        if let types {
            guard types.count <= 50 else { throw .invalid("At most 50 event types.") }
            for type in types where !Self.isEventType(type) {
                throw .invalid("'\(type.prefix(80))' is not an event type (like model_version.stage_changed or model_version.*).")
            }
        }
        self.types = types
        self.model = model
    }

    /// ^[a-z_]+\.([a-z_]+|\*)$
    static func isEventType(_ type: String) -> Bool {
        let parts = type.split(separator: ".", omittingEmptySubsequences: false)
        let word = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { ASCIIShape.isLower($0) || $0 == UInt8(ascii: "_") } }
        return parts.count == 2 && word(parts[0]) && (parts[1] == "*" || word(parts[1]))
    }

    public func matches(_ event: RegistryEvent) -> Bool {
        if let model, event.model != model { return false }
        guard let types else { return true }
        return types.contains { pattern in
            pattern.hasSuffix(".*") ? event.type.hasPrefix(pattern.dropLast()) : event.type == pattern
        }
    }
}
