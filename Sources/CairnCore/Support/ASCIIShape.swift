/// Hand-written checks for the short ASCII shapes names must have. They replace regex literals on paths every
/// request takes (a tenant slug in each URL): a Swift `Regex` literal is parsed and compiled again each time the
/// expression is evaluated, which cost more than the rest of a cached read.
enum ASCIIShape {
    static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLowerHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) }
    static func isLowerOrDigit(_ byte: UInt8) -> Bool { isLower(byte) || isDigit(byte) }

    /// `text` is `count` bytes long, its first byte passes `first`, its last `last` and every other `rest`.
    static func matches(
        _ text: String, count: ClosedRange<Int>, first: (UInt8) -> Bool, rest: (UInt8) -> Bool, last: ((UInt8) -> Bool)? = nil
    ) -> Bool {
        let bytes = text.utf8
        guard count.contains(bytes.count), let head = bytes.first, first(head) else { return false }
        var index = 0
        for byte in bytes {
            defer { index += 1 }
            if index == 0 { continue }
            if index == bytes.count - 1, let last {
                guard last(byte) else { return false }
            } else {
                guard rest(byte) else { return false }
            }
        }
        return true
    }
}
