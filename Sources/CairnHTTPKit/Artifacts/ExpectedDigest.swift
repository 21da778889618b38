public import CairnCore
import Foundation
public import HTTPTypes

/// The SHA-256 a client says its upload has: `Repr-Digest`/`Content-Digest: sha-256=:<base64>:` (RFC 9530),
/// `Digest: SHA-256=<base64>` (RFC 3230) or `?sha256=<hex>`. Several may be sent; they must agree.
public enum ExpectedDigest {
    public static func parse(headers: HTTPFields, query: String?) throws(CairnError) -> BlobDigest? {
        var found: [BlobDigest] = []
        if let query {
            guard let digest = BlobDigest(hex: query) else { throw .invalid("'sha256' must be 64 hexadecimal digits.") }
            found.append(digest)
        }
        for name in ["Repr-Digest", "Content-Digest", "Digest"] {
            guard let field = HTTPField.Name(name), let value = headers[field] else { continue }
            guard let digest = try sha256(in: value, header: name) else {
                throw .invalid("The \(name) header names no sha-256 digest; only SHA-256 is supported.")
            }
            found.append(digest)
        }
        guard let first = found.first else { return nil }
        guard found.allSatisfy({ $0 == first }) else { throw .invalid("The digests sent with the upload disagree with each other.") }
        return first
    }

    /// Parses `algorithm=value` members; the value may be wrapped in colons (a structured-field byte sequence).
    private static func sha256(in value: String, header: String) throws(CairnError) -> BlobDigest? {
        for member in value.split(separator: ",") {
            let pair = member.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "sha-256" else { continue }
            var encoded = Substring(pair[1])
            if encoded.hasPrefix(":"), encoded.hasSuffix(":"), encoded.count >= 2 { encoded = encoded.dropFirst().dropLast() }
            guard let digest = BlobDigest(base64: encoded) else {
                throw .invalid("The \(header) sha-256 value must be the base64 of 32 bytes.")
            }
            return digest
        }
        return nil
    }
}
