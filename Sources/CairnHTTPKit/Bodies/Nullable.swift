/// An optional that encodes as an explicit `null` rather than being left out, so every documented field is present.
public struct Nullable<Wrapped: Encodable>: Encodable {
    public let value: Wrapped?

    public init(_ value: Wrapped?) {
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
