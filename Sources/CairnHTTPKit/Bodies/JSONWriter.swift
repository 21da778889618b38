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
    /// Bytes appended to an array (one bounds-checked append each), copied into a `ByteBuffer` once at the end.
    private var bytes: [UInt8]
    /// Whether the next value or key is the first in its object or array (no comma before it).
    private var first = true
    #if DEBUG
        private var lastKeys: [String?] = []
    #endif

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// The bytes written since the last call, for a body streamed in parts; the writer keeps its place in the document.
    public mutating func flush() -> ByteBuffer {
        let part = ByteBuffer(bytes: bytes)
        bytes.removeAll(keepingCapacity: true)
        return part
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        first = true
        #if DEBUG
            lastKeys.append(nil)
        #endif
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
        #if DEBUG
            lastKeys.removeLast()
        #endif
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        first = true
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
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
        bytes.append(UInt8(ascii: ":"))
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
        bytes.append(contentsOf: String(value).utf8)
    }

    /// As the encoder: shortest round-trip form, `.0` dropped from integral values. Non-finite numbers cannot be
    /// JSON; the stored values are validated finite, and `null` stands in should one ever reach here.
    public mutating func double(_ value: Double) {
        separate()
        guard value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
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

    /// A key (a `CodingKey`'s string, so names stay in one place) and its value.
    public mutating func field(_ key: some CodingKey, _ value: String?) {
        self.key(key.stringValue)
        string(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: Int) {
        self.key(key.stringValue)
        int(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: Bool) {
        self.key(key.stringValue)
        bool(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: JSONObject) {
        self.key(key.stringValue)
        object(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: [String: String]) {
        self.key(key.stringValue)
        object(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: [String]) {
        self.key(key.stringValue)
        strings(value)
    }

    public mutating func field(_ key: some CodingKey, _ value: some JSONWritable) {
        self.key(key.stringValue)
        value.write(to: &self)
    }

    public mutating func field(_ key: some CodingKey, _ values: [some JSONWritable]) {
        self.key(key.stringValue)
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    private mutating func separate() {
        if first {
            first = false
        } else {
            bytes.append(UInt8(ascii: ","))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Runs of bytes that need no escape are copied whole; native strings are contiguous, so this is a scan of
    /// their buffer, not a walk of the UTF-8 view (the per-byte walk was a tenth of a listing's time).
    private mutating func writeEscaped(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices where Self.needsEscape(utf8[index]) {
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                writeEscape(utf8[index])
                start = index + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
        case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
        case 0x0A: bytes.append(contentsOf: "\\n".utf8)
        case 0x0D: bytes.append(contentsOf: "\\r".utf8)
        case 0x09: bytes.append(contentsOf: "\\t".utf8)
        case 0x08: bytes.append(contentsOf: "\\b".utf8)
        case 0x0C: bytes.append(contentsOf: "\\f".utf8)
        default:
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(Self.hex[Int(byte >> 4)])
            bytes.append(Self.hex[Int(byte & 0x0F)])
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}
