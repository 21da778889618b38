import CairnCore
import Foundation
import Hummingbird
import Logging

struct AliasBody: Decodable, StrictBody {
    let version: Int
    static let fields: Set<String> = ["version"]
}

struct LegalHoldBody: Decodable, StrictBody {
    let held: Bool
    let reason: String?
    static let fields: Set<String> = ["held", "reason"]
}

extension APIRoutes {
    /// Aliases name one version of a model; names the tenant lists in `protected_aliases` need an approver.
    /// Legal holds are for admins.
    func addAliasRoutes(aliases store: any AliasStore) {
        let alias = "tenants/{tenant}/models/{model}/aliases/{alias}"

        add(.get, alias, access: .tenant(.reader)) { _, context, scope in
            let version = try await store.resolveAlias(
                try AliasName(try context.pathParameter("alias")), of: try context.pathParameter("model"), in: scope.tenant, logger: context.logger)
            return try .json(VersionDTO(version))
        }

        add(.put, alias, access: .tenant(.contributor)) { request, context, scope in
            let name = try AliasName(try context.pathParameter("alias"))
            try Self.requireAliasRole(name, scope)
            let body = try await JSONBody.decode(AliasBody.self, from: request, context: context)
            guard ModelVersion.numbers.contains(body.version) else { throw CairnError.invalid("'version' must be a version number.") }
            let version = try await store.setAlias(
                name, to: body.version, of: try context.pathParameter("model"), in: scope.tenant, by: scope.actor, logger: context.logger)
            return try .json(VersionDTO(version))
        }

        add(.delete, alias, access: .tenant(.contributor)) { _, context, scope in
            let name = try AliasName(try context.pathParameter("alias"))
            try Self.requireAliasRole(name, scope)
            try await store.deleteAlias(name, of: try context.pathParameter("model"), in: scope.tenant, by: scope.actor, logger: context.logger)
            return .noContent
        }

        add(.put, "tenants/{tenant}/models/{model}/versions/{version}/legal-hold", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decode(LegalHoldBody.self, from: request, context: context)
            let reason = try body.reason.map { r throws(CairnError) in try Limits.text(r, field: "reason", max: 2000) }
            guard !body.held || !(reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CairnError.invalid("A legal hold needs a 'reason' (e.g. the matter or ticket).")
            }
            let version = try await store.setLegalHold(
                body.held, reason: reason, version: try context.versionParameter(), of: try context.pathParameter("model"), in: scope.tenant,
                by: scope.actor, logger: context.logger)
            return try .json(VersionDTO(version))
        }
    }

    private static func requireAliasRole(_ name: AliasName, _ scope: TenantScope) throws(CairnError) {
        try scope.access.require(name.requiredRole(protected: LifecyclePolicy.protectedAliases(scope.tenant.settings)))
    }
}
