import Foundation

/// Any JSON value: hyperparameters, environments and tenant settings are free-form JSON objects.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Nesting depth, to bound what a client can make the server store and re-parse.
    public var depth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        default: 0
        }
    }
}

public typealias JSONObject = [String: JSONValue]

extension Dictionary where Key == String, Value == JSONValue {
    /// Bounds for free-form objects stored with a version.
    public func validated(field: String, maxKeys: Int = 1000, maxDepth: Int = 8) throws(CairnError) -> JSONObject {
        guard count <= maxKeys else { throw .invalid("'\(field)' has more than \(maxKeys) keys.") }
        guard JSONValue.object(self).depth <= maxDepth else {
            throw .invalid("'\(field)' is nested deeper than \(maxDepth) levels.")
        }
        for key in keys where key.isEmpty || key.count > 250 {
            throw .invalid("'\(field)' keys must be 1 to 250 characters.")
        }
        return self
    }
}
