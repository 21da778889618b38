import Foundation

/// A file's place in a version's tree: relative, `/`-separated, normalised (no empty or `.` segments, NFC).
/// Built only through `init(raw:)`, which refuses anything that could name a file outside the tree.
public struct ArtifactPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let maxBytes = 1024
    public static let maxSegmentBytes = 255
    public static let maxDepth = 32

    public let value: String

    public var description: String { value }
    public var segments: [Substring] { value.split(separator: "/") }
    public var fileName: Substring { segments.last ?? "" }

    public static func < (lhs: ArtifactPath, rhs: ArtifactPath) -> Bool { Array(lhs.value.utf8).lexicographicallyPrecedes(rhs.value.utf8) }

    /// `raw` is the path as it appeared in the request URL, still percent-encoded.
    public init(raw: some StringProtocol) throws(CairnError) {
        let lowered = raw.lowercased()
        // Encoded separators and encoded percent signs (double encoding) would let one layer see a different path
        // from the next; no legitimate file name needs them.
        for encoded in ["%2f", "%5c", "%25", "%00"] where lowered.contains(encoded) {
            throw .invalid("The artifact path must not contain the percent-encoded sequence '\(encoded)'.")
        }
        guard let decoded = String(raw).removingPercentEncoding else {
            throw .invalid("The artifact path is not valid percent-encoded UTF-8.")
        }
        try self.init(decoded: decoded)
    }

    /// `decoded` is a plain path, e.g. from a command line or a stored row.
    public init(decoded: String) throws(CairnError) {
        guard !decoded.isEmpty else { throw .invalid("An artifact path is required.") }
        guard !decoded.contains("\\") else { throw .invalid("The artifact path must use '/' separators; backslashes are not allowed.") }
        guard !decoded.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("The artifact path must not contain NUL or other control characters.")
        }
        guard !decoded.hasPrefix("/"), !decoded.hasPrefix("~") else { throw .invalid("The artifact path must be relative, not absolute.") }
        if let first = decoded.unicodeScalars.first, decoded.unicodeScalars.dropFirst().first == ":", first.isASCII,
            first.properties.isAlphabetic
        {
            throw .invalid("The artifact path must be relative; a drive prefix like 'C:' is not allowed.")
        }
        let segments = decoded.precomposedStringWithCanonicalMapping.split(separator: "/", omittingEmptySubsequences: true)
            .filter { $0 != "." }
        guard !segments.contains("..") else { throw .invalid("The artifact path must not contain '..' segments.") }
        guard !segments.isEmpty else { throw .invalid("The artifact path names no file.") }
        guard segments.count <= Self.maxDepth else { throw .invalid("The artifact path is deeper than \(Self.maxDepth) levels.") }
        if segments.contains(where: { $0.utf8.count > Self.maxSegmentBytes }) {
            throw .invalid("Each artifact path segment must be at most \(Self.maxSegmentBytes) bytes.")
        }
        let value = segments.joined(separator: "/")
        guard value.utf8.count <= Self.maxBytes else { throw .invalid("The artifact path must be at most \(Self.maxBytes) bytes.") }
        self.value = value
    }
}
