public import Logging

public protocol AliasStore: Sendable {
    /// Points `alias` at `version` (moving it if it named another); the version must exist and not be Archived.
    func setAlias(_ alias: AliasName, to version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> ModelVersion
    func deleteAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
    func resolveAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelVersion
    /// Places or lifts a legal hold; a held version cannot be deleted (nor, later, archived or purged by jobs).
    func setLegalHold(_ held: Bool, reason: String?, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger)
        async throws -> ModelVersion
}
