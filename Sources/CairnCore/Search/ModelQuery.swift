import Foundation

/// A search of a tenant's registered models: clauses on the name (`.name`) and the model's tags (`.modelTag`), joined
/// by AND, sorted by name or last update, paged by an opaque token.
public struct ModelQuery: Sendable {
    public enum Key: String, Sendable {
        case name
        case updatedAt = "updated_at"
    }

    public struct Term: Sendable, Equatable {
        public let key: Key
        public let descending: Bool

        public init(key: Key, descending: Bool) {
            self.key = key
            self.descending = descending
        }
    }

    public let clauses: [VersionFilter.Clause]
    /// Ends with the name (unique in a tenant), added when the caller did not sort by it.
    public let order: [Term]
    public let maxResults: Int
    public let pageToken: String?
    /// Leaves out MLflow prompts (models tagged `mlflow.prompt.is_prompt = 'true'`).
    public let excludesPrompts: Bool

    public init(clauses: [VersionFilter.Clause], order: [Term], maxResults: Int, pageToken: String?, excludesPrompts: Bool) throws(CairnError) {
        for clause in clauses {
            switch clause.field {
            case .name, .modelTag: continue
            default: throw .invalid("A model search filters on the name and the model's tags only.")
            }
        }
        guard Set(order.map(\.key)).count == order.count else { throw .invalid("An order_by key may appear only once.") }
        self.clauses = clauses
        self.order = order.contains { $0.key == .name } ? order : order + [Term(key: .name, descending: false)]
        self.maxResults = maxResults
        self.pageToken = pageToken.flatMap { $0.isEmpty ? nil : $0 }
        self.excludesPrompts = excludesPrompts
    }

    public func fingerprint(tenant: Tenant) -> String {
        PageToken.fingerprint(
            tenant.id.uuidString, "models", String(describing: clauses), order.map { "\($0.key.rawValue) \($0.descending)" }.joined(separator: ","),
            excludesPrompts ? "no-prompts" : "")
    }
}
