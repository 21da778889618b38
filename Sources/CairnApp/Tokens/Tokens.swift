public import CairnCore
public import Foundation
import Logging

/// API tokens: everyone with a role may hold them; admins see and revoke all of their tenant's. A token cannot
/// create or revoke tokens, so a leaked one cannot extend itself.
public struct Tokens: Sendable {
    let store: any TokenStore
    public let maxLifetime: Duration

    public init(store: any TokenStore, maxLifetime: Duration) {
        self.store = store
        self.maxLifetime = maxLifetime
    }

    public func list(_ scope: RequestScope) async throws -> [APIToken] {
        try await store.tokens(ownedBy: ownerScope(scope), in: scope.tenant, logger: scope.logger)
    }

    /// A token with at most the caller's role (theirs when `role` is nil), valid until `expiresAt` within the
    /// configured maximum lifetime; the secret is in `minted`, shown once.
    public func create(name: String, role: Role?, expiresAt: Date?, _ scope: RequestScope) async throws -> (APIToken, MintedToken) {
        try refuseTokenCallers(scope)
        let new = try NewAPIToken(
            name: name, role: role ?? scope.role, expiresAt: expiresAt, creatorRole: scope.role, now: Date(), maxLifetime: maxLifetime)
        let minted = MintedToken(tenant: scope.tenant.slug)
        let token = try await store.createToken(new, minted: minted, by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("token created", metadata: ["cairn.token": "\(token.id)", "cairn.role": "\(token.role.rawValue)"])
        return (token, minted)
    }

    /// `id` as the caller sent it: one that is not a token id is simply not found.
    public func revoke(_ id: String, _ scope: RequestScope) async throws -> APIToken {
        try refuseTokenCallers(scope)
        guard let id = UUID(uuidString: id) else { throw CairnError.notFound("Token not found.") }
        let token = try await store.revokeToken(
            id: id, ownedBy: ownerScope(scope), by: scope.actor, in: scope.tenant, logger: scope.logger)
        scope.logger.info("token revoked", metadata: ["cairn.token": "\(token.id)"])
        return token
    }

    /// Admins act on every token of the tenant, everyone else on their own.
    private func ownerScope(_ scope: RequestScope) -> String? {
        scope.access.role == .admin ? nil : scope.actor.username
    }

    /// Tokens are managed with a password only (checked again by `create` and `revoke`); a surface calls it first so
    /// that a token caller is refused before its body is read.
    public func refuseTokenCallers(_ scope: RequestScope) throws(CairnError) {
        guard !scope.usesToken else { throw .denied("API tokens cannot create or revoke tokens; sign in with your password.") }
    }
}
