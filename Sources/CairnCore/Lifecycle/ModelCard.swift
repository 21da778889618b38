public import Foundation

/// A version's model card: structured, human-written facts governance reviews. Every field is text; `review_by` is a
/// date (YYYY-MM-DD) after which the card, and the model's fitness, must be reviewed again.
public struct ModelCard: Sendable, Equatable {
    public static let fields = [
        "intended_use", "limitations", "training_data", "evaluation", "fairness", "owner", "contact", "review_by",
    ]

    public let values: [String: String]

    public init(validating object: JSONObject) throws(CairnError) {
        var values: [String: String] = [:]
        for (key, value) in object {
            guard Self.fields.contains(key) else {
                throw .invalid("Unknown model card field '\(key)'. Fields: \(Self.fields.joined(separator: ", ")).")
            }
            switch value {
            case .null: continue
            case .string(let text):
                values[key] = try Limits.text(text, field: "model_card.\(key)", max: 20_000)
            default:
                throw .invalid("Model card field '\(key)' must be text.")
            }
        }
        if let review = values["review_by"], Self.date(review) == nil {
            throw .invalid("'review_by' must be a date like 2027-03-31.")
        }
        self.values = values
    }

    /// Required fields that are absent or blank, in the canonical order.
    public func missing(_ required: [String]) -> [String] {
        Self.fields.filter { field in required.contains(field) && (values[field]?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true) }
    }

    public var reviewDue: Date? { values["review_by"].flatMap(Self.date) }

    public var json: JSONObject { values.mapValues(JSONValue.string) }

    static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes.indices.allSatisfy({ [4, 7].contains($0) ? bytes[$0] == UInt8(ascii: "-") : ASCIIShape.isDigit(bytes[$0]) })
        else { return nil }
        return try? Date.ISO8601FormatStyle().year().month().day().parse(text)
    }
}

/// The settings a tenant admin may change, with their types checked (unknown keys are refused).
public enum TenantSettings {
    public static func validated(_ changes: JSONObject, merging current: JSONObject) throws(CairnError) -> JSONObject {
        var merged = current
        for (key, value) in changes {
            if value == .null {
                merged[key] = nil
                continue
            }
            switch key {
            case "four_eyes_production", "single_production_version":
                guard case .bool = value else { throw .invalid("'\(key)' must be true or false.") }
            case "protected_aliases":
                guard case .array(let names) = value else { throw .invalid("'protected_aliases' must be a list of alias names.") }
                for name in names {
                    guard case .string(let text) = name else { throw .invalid("'protected_aliases' must be a list of alias names.") }
                    _ = try AliasName(text)
                }
            case "required_card_fields":
                guard case .array(let names) = value,
                    names.allSatisfy({ if case .string(let field) = $0 { ModelCard.fields.contains(field) } else { false } })
                else {
                    throw .invalid("'required_card_fields' must list model card fields: \(ModelCard.fields.joined(separator: ", ")).")
                }
            default:
                throw .invalid(
                    "Unknown setting '\(key)'. Settings: four_eyes_production, single_production_version, protected_aliases, required_card_fields.")
            }
            merged[key] = value
        }
        return merged
    }

    public static func requiredCardFields(_ settings: JSONObject) -> [String] {
        guard case .array(let names)? = settings["required_card_fields"] else { return [] }
        return names.compactMap { if case .string(let name) = $0 { name } else { nil } }
    }
}
