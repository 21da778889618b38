/// Events carry audit snapshots, and a tenant's readers may subscribe to them: a subscriber sees only what their
/// role may read through the API. Below approver (who may read the audit log, and so every snapshot) retention
/// policies and runs arrive without their contents, and legal holds without their reason.
extension RegistryEvent {
    public func visible(to role: Role) -> RegistryEvent {
        guard role < .approver else { return self }
        let redacted: JSONValue
        if type.hasPrefix("retention_policy.") || type.hasPrefix("retention_run.") {
            redacted = .object([:])
        } else if type.hasPrefix("model_version.legal_hold_") {
            redacted = Self.removing("reason", from: payload)
        } else {
            return self
        }
        return RegistryEvent(
            id: id, tenantID: tenantID, type: type, objectType: objectType, objectID: objectID, model: model, version: version, payload: redacted,
            actor: actor, requestID: requestID, at: at)
    }

    private static func removing(_ key: String, from value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var kept: JSONObject = [:]
            for (name, member) in members where name != key { kept[name] = removing(key, from: member) }
            return .object(kept)
        case .array(let items): return .array(items.map { removing(key, from: $0) })
        default: return value
        }
    }
}
