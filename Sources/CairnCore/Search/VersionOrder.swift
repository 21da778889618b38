import Foundation

/// `order_by` for version search: one of created_at, name, version, then ASC or DESC (default: created_at DESC).
public struct VersionOrder: Sendable, Equatable {
    public enum Key: String, Sendable, CaseIterable {
        case createdAt = "created_at"
        case name
        case version
    }

    public let key: Key
    public let descending: Bool

    public static let newestFirst = VersionOrder(key: .createdAt, descending: true)

    public init(key: Key, descending: Bool) {
        self.key = key
        self.descending = descending
    }

    public init(parsing text: String?) throws(CairnError) {
        guard let text, !text.trimmingWhitespace().isEmpty else {
            self = .newestFirst
            return
        }
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard (1...2).contains(words.count), let key = Key(rawValue: words[0].lowercased()) else {
            throw .invalid(
                "Invalid order_by '\(text.prefix(80))': use one of \(Key.allCases.map(\.rawValue).joined(separator: ", ")), optionally followed by ASC or DESC."
            )
        }
        let direction = words.count == 2 ? words[1].uppercased() : (key == .name ? "ASC" : "DESC")
        guard direction == "ASC" || direction == "DESC" else { throw .invalid("order_by direction must be ASC or DESC.") }
        self.init(key: key, descending: direction == "DESC")
    }

    public var text: String { "\(key.rawValue) \(descending ? "DESC" : "ASC")" }
}
