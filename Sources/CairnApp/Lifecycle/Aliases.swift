public import CairnCore
import Foundation
import Logging

/// Aliases name one version of a model; the names a tenant lists in `protected_aliases` need an approver. Legal
/// holds need a reason.
public struct Aliases: Sendable {
    let store: any AliasStore

    public init(store: any AliasStore) {
        self.store = store
    }

    public func resolve(_ alias: AliasName, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        try await store.resolveAlias(alias, of: model, in: scope.tenant, logger: scope.logger)
    }

    public func set(_ alias: AliasName, to version: Int, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        try requireRole(for: alias, scope)
        guard ModelVersion.numbers.contains(version) else { throw CairnError.invalid("'version' must be a version number.") }
        return try await store.setAlias(alias, to: version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }

    public func delete(_ alias: AliasName, of model: String, _ scope: RequestScope) async throws {
        try requireRole(for: alias, scope)
        try await store.deleteAlias(alias, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }

    /// The role an alias needs: contributor, or approver for the tenant's protected names.
    public func requiredRole(for alias: AliasName, in tenant: Tenant) -> Role {
        alias.requiredRole(protected: LifecyclePolicy.protectedAliases(tenant.settings))
    }

    /// Refuses a caller whose role does not reach the alias (checked again by `set` and `delete`); a surface calls it
    /// first so that a protected name is refused before its body is read.
    public func requireRole(for alias: AliasName, _ scope: RequestScope) throws(CairnError) {
        try scope.access.require(requiredRole(for: alias, in: scope.tenant))
    }

    /// Places (with a reason, e.g. the matter or ticket) or lifts a legal hold.
    public func setLegalHold(_ held: Bool, reason: String?, version: Int, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        let checkedReason = try reason.map { text throws(CairnError) in try Limits.text(text, field: "reason", max: 2000) }
        guard !held || !(checkedReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CairnError.invalid("A legal hold needs a 'reason' (e.g. the matter or ticket).")
        }
        return try await store.setLegalHold(
            held, reason: checkedReason, version: version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }
}
