public import Foundation
public import Logging

/// Registered models and their versions, always within one tenant.
public protocol RegistryStore: Sendable {
    func createModel(_ model: NewRegisteredModel, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> RegisteredModel
    func model(named name: String, in tenant: Tenant, logger: Logger) async throws -> RegisteredModel
    func searchModels(_ query: ModelQuery, in tenant: Tenant, logger: Logger) async throws -> ModelPage
    /// The newest version in each stage (at most one per stage) of each of these models, by model then stage.
    func latestVersions(ofModels ids: [UUID], in tenant: Tenant, logger: Logger) async throws -> [ModelVersion]
    func listModels(nameLike: String?, maxResults: Int, pageToken: String?, in tenant: Tenant, logger: Logger) async throws -> ModelPage
    func updateModel(named name: String, _ changes: RegisteredModelChanges, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> RegisteredModel
    func deleteModel(named name: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws

    func createVersion(of modelName: String, _ version: NewModelVersion, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> ModelVersion
    func version(_ version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelVersion
    func updateVersion(_ version: Int, of modelName: String, _ changes: ModelVersionChanges, in tenant: Tenant, by actor: Actor, logger: Logger)
        async throws -> ModelVersion
    func deleteVersion(_ version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
    func searchVersions(_ query: VersionQuery, in tenant: Tenant, logger: Logger) async throws -> VersionPage
    func modelCard(_ version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelCard
    /// Replaces the card (and the version's review date).
    /// A Production version's card is changed only by an approver, and the change must pass the card gate again.
    func setModelCard(
        _ card: ModelCard, version: Int, of modelName: String, role: Role, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor,
        logger: Logger
    ) async throws
        -> ModelCard
    /// The versions in the order asked; a missing one is `RESOURCE_DOES_NOT_EXIST`.
    func versions(_ versions: [Int], of modelName: String, in tenant: Tenant, logger: Logger) async throws -> [ModelVersion]
}
