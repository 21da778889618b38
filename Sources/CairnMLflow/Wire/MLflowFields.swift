import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// A request's fields as MLflow sends them: GET in the query string (a list as repeated keys), POST, PATCH and DELETE
/// in a JSON body. Unknown fields are ignored, as MLflow's own server ignores them.
struct MLflowFields: Sendable {
    private enum Source: Sendable {
        case query([String: [String]])
        case body([String: JSONValue])
    }

    private let source: Source

    static func read(_ request: Request, context: CairnRequestContext) async throws -> MLflowFields {
        if request.method == .get {
            var fields: [String: [String]] = [:]
            for pair in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                fields[FormQuery.decode(parts[0]), default: []].append(parts.count > 1 ? FormQuery.decode(parts[1]) : "")
            }
            return MLflowFields(source: .query(fields))
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return MLflowFields(source: .body([:])) }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw CairnError.invalid("Bad Request. Content-Type must be one of ['application/json'].")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw CairnError.invalid("The request body is not valid JSON.")
        }
        guard case .object(let members) = value else { throw CairnError.invalid("The request body must be a JSON object.") }
        return MLflowFields(source: .body(members))
    }

    /// A string field; a JSON number is taken in its integer form (`"version": 1`).
    func string(_ name: String) throws(CairnError) -> String? {
        switch source {
        case .query(let fields): return fields[name]?.first
        case .body(let members):
            switch members[name] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case .number(let number)? where number.rounded() == number && abs(number) < 1e15: return String(Int(number))
            case .bool(let flag)?: return flag ? "true" : "false"
            default: throw .invalid("Invalid value for parameter '\(name)': expected a string.")
            }
        }
    }

    func required(_ name: String) throws(CairnError) -> String {
        guard let value = try string(name), !value.isEmpty else {
            throw .invalid("Missing value for required parameter '\(name)'. See the API docs for more information about request parameters.")
        }
        return value
    }

    /// A required field that may be empty (a tag's value).
    func requiredAllowingEmpty(_ name: String) throws(CairnError) -> String {
        guard let value = try string(name) else {
            throw .invalid("Missing value for required parameter '\(name)'. See the API docs for more information about request parameters.")
        }
        return value
    }

    func bool(_ name: String) throws(CairnError) -> Bool? {
        switch source {
        case .query(let fields):
            guard let text = fields[name]?.first else { return nil }
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw Self.invalidValue(name, text, type: "str")
            }
        case .body(let members):
            switch members[name] {
            case nil, .null?: return nil
            case .bool(let flag)?: return flag
            case .string(let text)?: throw Self.invalidValue(name, text, type: "str")
            case let other?: throw Self.invalidValue(name, "\(other)", type: "other")
            }
        }
    }

    func int(_ name: String) throws(CairnError) -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text) else { throw Self.invalidValue(name, text, type: "str") }
        return value
    }

    /// A repeated field: repeated query keys, or a JSON array of strings.
    func strings(_ name: String) throws(CairnError) -> [String] {
        switch source {
        case .query(let fields): return fields[name] ?? []
        case .body(let members):
            switch members[name] {
            case nil, .null?: return []
            case .array(let items)?:
                return try items.map { item throws(CairnError) in
                    guard case .string(let text) = item else { throw .invalid("Invalid value for parameter '\(name)': expected a list of strings.") }
                    return text
                }
            case .string(let text)?: return [text]
            default: throw .invalid("Invalid value for parameter '\(name)': expected a list of strings.")
            }
        }
    }

    /// MLflow's webhook events, `[{"entity": "MODEL_VERSION", "action": "CREATED"}]`, as `model_version.created`; nil
    /// when the field is absent.
    func webhookEvents(_ name: String = "events") throws(CairnError) -> [String]? {
        guard case .body(let members) = source, let raw = members[name], raw != .null else { return nil }
        guard case .array(let items) = raw else { throw .invalid("Invalid value for parameter '\(name)': expected a list of {entity, action}.") }
        return try items.map { item throws(CairnError) in try Self.webhookEvent(item, field: name) }
    }

    /// One `{"entity", "action"}` object as `entity.action`; nil when the field is absent.
    func webhookEvent(_ name: String) throws(CairnError) -> String? {
        guard case .body(let members) = source, let raw = members[name], raw != .null else { return nil }
        return try Self.webhookEvent(raw, field: name)
    }

    private static func webhookEvent(_ item: JSONValue, field: String) throws(CairnError) -> String {
        guard case .object(let event) = item, case .string(let entity)? = event["entity"], case .string(let action)? = event["action"] else {
            throw .invalid("Invalid value for parameter '\(field)': every event needs an 'entity' and an 'action'.")
        }
        return "\(entity.lowercased()).\(action.lowercased())"
    }

    /// MLflow's `[{"key": …, "value": …}]` tag lists.
    func tags(_ name: String = "tags") throws(CairnError) -> [String: String] {
        guard case .body(let members) = source, let raw = members[name] else { return [:] }
        guard case .array(let items) = raw else { throw .invalid("Invalid value for parameter '\(name)': expected a list of {key, value}.") }
        var tags: [String: String] = [:]
        for item in items {
            guard case .object(let tag) = item, case .string(let key)? = tag["key"] else {
                throw .invalid("Invalid value for parameter '\(name)': every tag needs a 'key'.")
            }
            switch tag["value"] {
            case .string(let value)?: tags[key] = value
            case nil, .null?: tags[key] = ""
            default: throw .invalid("Invalid value for parameter '\(name)': tag '\(key.prefix(80))' needs a string value.")
            }
        }
        return tags
    }

    /// A version number, which MLflow sends as a string.
    func version() throws(CairnError) -> Int {
        let raw = try required("version")
        guard let number = Int(raw) else { throw .invalid("Parameter 'version' must be an integer, got '\(raw.prefix(80))'.") }
        guard ModelVersion.numbers.contains(number) else {
            let name = (try? string("name")).flatMap { $0 } ?? ""
            throw .notFound("Model Version (name=\(name), version=\(number)) not found")
        }
        return number
    }

    private static func invalidValue(_ name: String, _ value: String, type: String) -> CairnError {
        .invalid("Invalid value \"\(value.prefix(80))\" for parameter '\(name)' supplied:  Hint: Value was of type '\(type)'.")
    }
}
