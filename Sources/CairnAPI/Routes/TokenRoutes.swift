import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// API tokens (the rules: `Tokens`).
    func addTokenRoutes() {
        let tokens = app.tokens

        add(.get, "tenants/{tenant}/tokens", access: .tenant(.reader)) { _, _, scope in
            try .json(TokenListDTO(tokens: try await tokens.list(scope).map(TokenDTO.init)))
        }

        add(.post, "tenants/{tenant}/tokens", access: .tenant(.reader)) { request, context, scope in
            try tokens.refuseTokenCallers(scope)
            let body = try await JSONBody.decode(CreateTokenBody.self, from: request, context: context)
            let role = try body.role.map { raw throws(CairnError) in try Role(validating: raw) }
            let expiresAt = try body.expiresAt.map { text throws(CairnError) in
                guard let date = RFC3339.parse(text) else { throw .invalid("'expires_at' must be an RFC 3339 time.") }
                return date
            }
            let (token, minted) = try await tokens.create(name: body.name, role: role, expiresAt: expiresAt, scope)
            return try .json(CreatedTokenDTO(token: TokenDTO(token), secret: minted.secret), status: .created)
        }

        add(.delete, "tenants/{tenant}/tokens/{token}", access: .tenant(.reader)) { _, context, scope in
            try .json(TokenDTO(try await tokens.revoke(try context.pathParameter("token"), scope)))
        }
    }
}
