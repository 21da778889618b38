public import Foundation

extension JSONEncoder {
    /// Output that is the same for the same value: keys sorted, slashes left alone. Every JSON the registry writes
    /// (API bodies, JSON Lines, event streams, command output) uses it.
    public static func stable() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
