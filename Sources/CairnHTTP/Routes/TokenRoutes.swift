import CairnCore
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// Everyone with a role may hold tokens; admins see and revoke all of their tenant's tokens. Tokens cannot
    /// manage tokens, so a leaked token cannot extend itself.
    func addTokenRoutes(tokens store: any TokenStore, maxLifetime: Duration) {
        add(.get, "tenants/{tenant}/tokens", access: .tenant(.reader)) { _, context, scope in
            let owner = scope.access.role == .admin ? nil : scope.actor.username
            let tokens = try await store.tokens(ownedBy: owner, in: scope.tenant, logger: context.logger)
            return try .json(TokenListDTO(tokens: tokens.map(TokenDTO.init)))
        }

        add(.post, "tenants/{tenant}/tokens", access: .tenant(.reader)) { request, context, scope in
            try Self.refuseTokenCallers(scope)
            let body = try await JSONBody.decode(CreateTokenBody.self, from: request, context: context)
            let role = try body.role.map { r throws(CairnError) in try Role(validating: r) } ?? (scope.access.role ?? .reader)
            let expiresAt = try body.expiresAt.map { text throws(CairnError) in
                guard let date = RFC3339.parse(text) else { throw .invalid("'expires_at' must be an RFC 3339 time.") }
                return date
            }
            let new = try NewAPIToken(
                name: body.name, role: role, expiresAt: expiresAt, creatorRole: scope.access.role ?? .reader, now: Date(),
                maxLifetime: maxLifetime)
            let minted = MintedToken(tenant: scope.tenant.slug)
            let token = try await store.createToken(new, minted: minted, by: scope.actor, in: scope.tenant, logger: context.logger)
            context.logger.info("token created", metadata: ["cairn.token": "\(token.id)", "cairn.role": "\(token.role.rawValue)"])
            return try .json(CreatedTokenDTO(token: TokenDTO(token), secret: minted.secret), status: .created)
        }

        add(.delete, "tenants/{tenant}/tokens/{token}", access: .tenant(.reader)) { _, context, scope in
            try Self.refuseTokenCallers(scope)
            guard let id = UUID(uuidString: try context.pathParameter("token")) else { throw CairnError.notFound("Token not found.") }
            let owner = scope.access.role == .admin ? nil : scope.actor.username
            let token = try await store.revokeToken(id: id, ownedBy: owner, by: scope.actor, in: scope.tenant, logger: context.logger)
            context.logger.info("token revoked", metadata: ["cairn.token": "\(token.id)"])
            return try .json(TokenDTO(token))
        }
    }

    private static func refuseTokenCallers(_ scope: TenantScope) throws(CairnError) {
        guard scope.principal.token == nil else { throw .denied("API tokens cannot create or revoke tokens; sign in with your password.") }
    }
}
