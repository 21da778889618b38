import Foundation

/// The order of a version search: one or more sort terms. The native `order_by` is one of created_at, name, version,
/// then ASC or DESC (default: created_at DESC); the MLflow surface builds several terms, last_updated among them.
public struct VersionOrder: Sendable, Equatable {
    public enum Key: String, Sendable, CaseIterable {
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case name
        case version

        /// The keys the native `order_by` accepts.
        static let native: [Key] = [.createdAt, .name, .version]
    }

    public struct Term: Sendable, Equatable {
        public let key: Key
        public let descending: Bool

        public init(key: Key, descending: Bool) {
            self.key = key
            self.descending = descending
        }

        public var text: String { "\(key.rawValue) \(descending ? "DESC" : "ASC")" }
    }

    /// At least one term, no key twice.
    public let terms: [Term]

    public static let newestFirst = VersionOrder(key: .createdAt, descending: true)

    public init(key: Key, descending: Bool) {
        terms = [Term(key: key, descending: descending)]
    }

    public init(terms: [Term]) throws(CairnError) {
        guard !terms.isEmpty else { throw .invalid("An order needs at least one key.") }
        guard Set(terms.map(\.key)).count == terms.count else { throw .invalid("An order_by key may appear only once.") }
        self.terms = terms
    }

    public init(parsing text: String?) throws(CairnError) {
        guard let text, !text.trimmingWhitespace().isEmpty else {
            self = .newestFirst
            return
        }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard (1...2).contains(words.count), let key = Key(rawValue: words[0].lowercased()), Key.native.contains(key) else {
            throw .invalid(
                "Invalid order_by '\(text.prefix(80))': use one of \(Key.native.map(\.rawValue).joined(separator: ", ")), optionally followed by ASC or DESC."
            )
        }
        let direction = words.count == 2 ? words[1].uppercased() : (key == .name ? "ASC" : "DESC")
        guard direction == "ASC" || direction == "DESC" else { throw .invalid("order_by direction must be ASC or DESC.") }
        self.init(key: key, descending: direction == "DESC")
    }

    public var text: String { terms.map(\.text).joined(separator: ", ") }
}
