public import Foundation
public import Logging

public protocol TokenStore: Sendable {
    func createToken(_ token: NewAPIToken, minted: MintedToken, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken
    /// A tenant's tokens, newest first; only `owner`'s when given.
    func tokens(ownedBy owner: String?, in tenant: Tenant, logger: Logger) async throws -> [APIToken]
    /// Revokes a token (of `owner`, when given); `RESOURCE_DOES_NOT_EXIST` when there is no such token.
    func revokeToken(id: UUID, ownedBy owner: String?, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken
    /// The stored token a presented credential matches, if any, with its use recorded. Revoked and expired
    /// tokens are returned too; the caller decides.
    func verify(_ credential: TokenCredential, tenantID: UUID, logger: Logger) async throws -> APIToken?
}
