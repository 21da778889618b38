/// A model alias (`champion`, `challenger`, …) that names one version. MLflow reserves `latest` and `v<N>`.
public struct AliasName: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(CairnError) {
        guard (try? /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/.wholeMatch(in: raw)) != nil else {
            throw .invalid("An alias is 1 to 255 letters, digits, '_' or '-', starting with a letter or '_'.")
        }
        guard raw.lowercased() != "latest", (try? /^[vV][0-9]+$/.wholeMatch(in: raw)) == nil else {
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
