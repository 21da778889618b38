public import CairnCore
public import NIOCore

/// A response body the hot paths write directly, byte for byte what `JSONEncoder.stable()` writes for the same
/// value (keys in UTF-8 order, `/` unescaped, integral doubles without `.0`) — at a fraction of the cost, since
/// nothing goes through the encoder's boxed containers. `Response.json` uses it when the value offers it; a test
/// holds each implementation to the encoder's bytes.
public protocol JSONWritable: Encodable {
    func write(to json: inout JSONWriter)
}

public struct JSONWriter {
    public private(set) var buffer: ByteBuffer
    /// Whether the next value or key is the first in its object or array (no comma before it).
    private var first = true
    #if DEBUG
        private var lastKeys: [String?] = []
    #endif

    public init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    public mutating func beginObject() {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        first = true
        #if DEBUG
            lastKeys.append(nil)
        #endif
    }

    public mutating func endObject() {
        buffer.writeInteger(UInt8(ascii: "}"))
        first = false
        #if DEBUG
            lastKeys.removeLast()
        #endif
    }

    public mutating func beginArray() {
        separate()
        buffer.writeInteger(UInt8(ascii: "["))
        first = true
    }

    public mutating func endArray() {
        buffer.writeInteger(UInt8(ascii: "]"))
        first = false
    }

    /// Keys must come in UTF-8 order, as the stable encoder sorts them (checked in debug builds).
    public mutating func key(_ key: String) {
        #if DEBUG
            if let last = lastKeys[lastKeys.count - 1] {
                assert(last.utf8.lexicographicallyPrecedes(key.utf8), "JSON key '\(key)' written after '\(last)'")
            }
            lastKeys[lastKeys.count - 1] = key
        #endif
        separate()
        writeEscaped(key)
        buffer.writeInteger(UInt8(ascii: ":"))
        first = true
    }

    public mutating func string(_ value: String) {
        separate()
        writeEscaped(value)
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func int(_ value: Int) {
        separate()
        buffer.writeString(String(value))
    }

    /// As the encoder: shortest round-trip form, `.0` dropped from integral values. Non-finite numbers cannot be
    /// JSON; the stored values are validated finite, and `null` stands in should one ever reach here.
    public mutating func double(_ value: Double) {
        separate()
        guard value.isFinite else {
            buffer.writeString("null")
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        buffer.writeString(text)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        buffer.writeString(value ? "true" : "false")
    }

    public mutating func null() {
        separate()
        buffer.writeString("null")
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number): double(number)
        case .string(let text): string(text)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let members): object(members)
        }
    }

    public mutating func object(_ members: JSONObject) {
        beginObject()
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            self.key(key)
            value(members[key] ?? .null)
        }
        endObject()
    }

    public mutating func object(_ members: [String: String]) {
        beginObject()
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            self.key(key)
            string(members[key] ?? "")
        }
        endObject()
    }

    public mutating func strings(_ items: [String]) {
        beginArray()
        for item in items { string(item) }
        endArray()
    }

    private mutating func separate() {
        if first {
            first = false
        } else {
            buffer.writeInteger(UInt8(ascii: ","))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func writeEscaped(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeString("\\\\")
                case 0x0A: buffer.writeString("\\n")
                case 0x0D: buffer.writeString("\\r")
                case 0x09: buffer.writeString("\\t")
                case 0x08: buffer.writeString("\\b")
                case 0x0C: buffer.writeString("\\f")
                default:
                    buffer.writeString("\\u00")
                    buffer.writeInteger(Self.hex[Int(byte >> 4)])
                    buffer.writeInteger(Self.hex[Int(byte & 0x0F)])
                }
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
