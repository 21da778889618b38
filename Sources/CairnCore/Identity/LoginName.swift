/// A login name as the directory compares it: case ignored, surrounding spaces dropped and inner runs of spaces
/// counted as one (LDAP's caseIgnoreMatch). Two spellings with the same `LoginName` reach the same entry, so every
/// key that stands for a person before the directory has answered (throttles, caches) uses it.
public struct LoginName: Hashable, Sendable, CustomStringConvertible {
    public let key: String

    public init(_ typed: String) {
        key = typed.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased()
    }

    public var description: String { key }
}
