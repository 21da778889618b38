import Crypto
public import Foundation

/// An opaque keyset cursor: the sort values of the last row served, bound to the query that produced it.
/// A token presented with another filter, order or tenant is refused instead of silently paging something else.
public struct PageToken: Sendable, Equatable {
    public let position: [String]

    public init(position: [String]) { self.position = position }

    /// Identifies a query: its tenant, its scope (e.g. one model) and its normalised filter and order.
    public static func fingerprint(_ parts: String...) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    public func encode(fingerprint: String) -> String {
        let payload = (["v1", fingerprint] + position).joined(separator: "\u{1F}")
        return Data(payload.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ token: String, fingerprint: String, positionCount: Int) throws(CairnError) -> PageToken {
        let invalid = CairnError.invalid("Invalid page_token: it does not belong to this query. Start again without page_token.")
        guard token.count <= 2048 else { throw invalid }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { throw invalid }
        let parts = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == positionCount + 2, parts[0] == "v1", parts[1] == fingerprint else { throw invalid }
        return PageToken(position: Array(parts.dropFirst(2)))
    }
}
