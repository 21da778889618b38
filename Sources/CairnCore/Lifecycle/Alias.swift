/// A model alias (`champion`, `challenger`, …) that names one version. MLflow reserves `latest` and `v<N>`.
public struct AliasName: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(CairnError) {
        let letter = { (byte: UInt8) in ASCIIShape.isLower(byte) || ASCIIShape.isUpper(byte) || byte == UInt8(ascii: "_") }
        guard ASCIIShape.matches(raw, count: 1...255, first: letter, rest: { letter($0) || ASCIIShape.isDigit($0) || $0 == UInt8(ascii: "-") })
        else {
            throw .invalid("An alias is 1 to 255 letters, digits, '_' or '-', starting with a letter or '_'.")
        }
        let versionLike = ASCIIShape.matches(
            raw, count: 2...255, first: { $0 == UInt8(ascii: "v") || $0 == UInt8(ascii: "V") }, rest: ASCIIShape.isDigit)
        guard raw.lowercased() != "latest", !versionLike else {
            throw .invalid("'\(raw)' is reserved (MLflow resolves 'latest' and 'v<N>' itself).")
        }
        value = raw
    }

    public var description: String { value }

    /// Setting or removing a protected alias (tenant setting `protected_aliases`) needs an approver.
    public func requiredRole(protected: Set<String>) -> Role {
        protected.contains(value) ? .approver : .contributor
    }
}

extension LifecyclePolicy {
    public static func protectedAliases(_ settings: JSONObject) -> Set<String> {
        guard case .array(let names)? = settings["protected_aliases"] else { return [] }
        return Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
    }
}
