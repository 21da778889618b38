public import Foundation

/// A SHA-256 digest, the address of a blob. Always lowercase hexadecimal.
public struct BlobDigest: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let hex: String

    public init?(hex: some StringProtocol) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        self.hex = lower
    }

    public init?(base64: some StringProtocol) {
        guard let data = Data(base64Encoded: String(base64)), data.count == 32 else { return nil }
        self.hex = data.map { String(format: "%02x", $0) }.joined()
    }

    public init(bytes: some Sequence<UInt8>) {
        self.hex = bytes.map { String(format: "%02x", $0) }.joined()
    }

    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return result
    }

    public var base64: String { Data(bytes).base64EncodedString() }
    public var description: String { "sha256:\(hex)" }

    public static func < (lhs: BlobDigest, rhs: BlobDigest) -> Bool { lhs.hex < rhs.hex }
}

/// A finished upload: its digest and length.
public struct StoredBlob: Sendable, Equatable {
    public let digest: BlobDigest
    public let size: Int64

    public init(digest: BlobDigest, size: Int64) {
        self.digest = digest
        self.size = size
    }
}
