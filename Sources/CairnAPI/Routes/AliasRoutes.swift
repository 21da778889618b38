import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

struct AliasBody: Decodable, StrictBody {
    let version: Int
    enum CodingKeys: String, CodingKey, CaseIterable { case version }
}

struct LegalHoldBody: Decodable, StrictBody {
    let held: Bool
    let reason: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case held, reason }
}

extension APIRoutes {
    /// Aliases (protected names need an approver: `Aliases`) and legal holds (admins).
    func addAliasRoutes() {
        let aliases = app.aliases
        let alias = "tenants/{tenant}/models/{model}/aliases/{alias}"

        add(.get, alias, access: .tenant(.reader)) { _, context, scope in
            let name = try AliasName(try context.pathParameter("alias"))
            return try .json(VersionDTO(try await aliases.resolve(name, of: try context.pathParameter("model"), scope)))
        }

        add(.put, alias, access: .tenant(.contributor)) { request, context, scope in
            let name = try AliasName(try context.pathParameter("alias"))
            try aliases.requireRole(for: name, scope)
            let body = try await JSONBody.decode(AliasBody.self, from: request, context: context)
            return try .json(VersionDTO(try await aliases.set(name, to: body.version, of: try context.pathParameter("model"), scope)))
        }

        add(.delete, alias, access: .tenant(.contributor)) { _, context, scope in
            let name = try AliasName(try context.pathParameter("alias"))
            try await aliases.delete(name, of: try context.pathParameter("model"), scope)
            return .noContent
        }

        add(.put, "tenants/{tenant}/models/{model}/versions/{version}/legal-hold", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decode(LegalHoldBody.self, from: request, context: context)
            let version = try await aliases.setLegalHold(
                body.held, reason: body.reason, version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try .json(VersionDTO(version))
        }
    }
}
