import Foundation

/// A tenant's URL name: a DNS label (RFC 1123): 1–63 of a–z, 0–9 and '-', not starting or ending with '-'.
public struct TenantSlug: Hashable, Sendable, CustomStringConvertible, Codable {
    public let value: String

    public init(_ raw: String) throws(CairnError) {
        // ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$
        let shape = ASCIIShape.matches(
            raw, count: 1...63, first: ASCIIShape.isLowerOrDigit, rest: { ASCIIShape.isLowerOrDigit($0) || $0 == UInt8(ascii: "-") },
            last: ASCIIShape.isLowerOrDigit)
        guard shape else {
            throw .invalid(
                "Invalid tenant slug '\(raw.prefix(80))': use 1 to 63 lower-case letters, digits and '-', not starting or ending with '-'.")
        }
        self.value = raw
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(raw) } catch { throw error }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
