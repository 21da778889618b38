import Foundation

/// An LDAP distinguished name in a normalised form for comparison: attribute types and values lower-cased, spaces
/// around separators removed. (The directory attributes Cairn compares — cn, ou, dc, uid, o — match case-insensitively.)
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible, Codable {
    public let normalized: String

    public init(_ raw: String) {
        var out = ""
        var pendingSpace = false
        var escaped = false
        for ch in raw.trimmingWhitespace() {
            if escaped {
                out.append(contentsOf: ch.lowercased())
                escaped = false
                continue
            }
            switch ch {
            case "\\":
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(ch)
                escaped = true
            case ",", "=", "+":
                pendingSpace = false
                while out.last == " " { out.removeLast() }
                out.append(ch)
            case " ":
                if let last = out.last, last != ",", last != "=", last != "+" { pendingSpace = true }
            default:
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(contentsOf: ch.lowercased())
            }
        }
        self.normalized = out
    }

    public var description: String { normalized }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(normalized)
    }

    /// Checks the shape of a DN given by a client: non-empty `attr=value` pairs, bounded length.
    public static func validated(_ raw: String) throws(CairnError) -> DistinguishedName {
        let dn = DistinguishedName(raw)
        guard (1...1024).contains(dn.normalized.count), !dn.normalized.contains("\u{0}") else {
            throw .invalid("A group DN must be 1 to 1024 characters.")
        }
        let rdnShape = /^[a-z][a-z0-9-]*=.+$|^[0-9]+(\.[0-9]+)*=.+$/
        for rdn in dn.normalized.splitUnescaped(on: ",") where (try? rdnShape.wholeMatch(in: rdn)) == nil {
            throw .invalid("'\(raw)' is not a distinguished name (expected e.g. cn=ml-approvers,ou=groups,dc=example,dc=com).")
        }
        return dn
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }

    func splitUnescaped(on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for ch in self {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }
}
