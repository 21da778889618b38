import Foundation

/// Documented input limits (README, "Limits"). Every bound is also a CHECK constraint in sql/.
public enum Limits {
    public static let descriptionLength = 65_536
    public static let tagKeyLength = 250
    public static let tagValueLength = 5000
    public static let tagsPerObject = 100
    public static let maxResults = 1000
    public static let defaultMaxResults = 100
    public static let filterLength = 4096
    public static let filterClauses = 20
    public static let compareVersions = 20

    public static func text(_ value: String, field: String, max: Int) throws(CairnError) -> String {
        guard value.count <= max else { throw .invalid("'\(field)' must be at most \(max) characters.") }
        guard !value.contains("\u{0}") else { throw .invalid("'\(field)' must not contain NUL characters.") }
        return value
    }

    public static func tags(_ tags: [String: String]) throws(CairnError) -> [String: String] {
        guard tags.count <= tagsPerObject else { throw .invalid("At most \(tagsPerObject) tags per object.") }
        for (key, value) in tags {
            guard (1...tagKeyLength).contains(key.count), !key.contains("\u{0}") else {
                throw .invalid("Tag keys must be 1 to \(tagKeyLength) characters.")
            }
            guard value.count <= tagValueLength, !value.contains("\u{0}") else {
                throw .invalid("Tag '\(key)' has a value longer than \(tagValueLength) characters.")
            }
        }
        return tags
    }

    public static func maxResults(_ raw: Int?) throws(CairnError) -> Int {
        guard let raw else { return defaultMaxResults }
        guard (1...maxResults).contains(raw) else { throw .invalid("'max_results' must be between 1 and \(maxResults).") }
        return raw
    }
}
