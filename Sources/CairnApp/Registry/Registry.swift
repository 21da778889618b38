public import CairnCore
public import Foundation
import Logging

/// Registered models, their versions and model cards.
public struct Registry: Sendable {
    let store: any RegistryStore

    public init(store: any RegistryStore) {
        self.store = store
    }

    public func createModel(_ model: NewRegisteredModel, _ scope: RequestScope) async throws -> RegisteredModel {
        let created = try await store.createModel(model, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("model registered", metadata: ["cairn.model": "\(created.name)"])
        return created
    }

    public func model(named name: String, _ scope: RequestScope) async throws -> RegisteredModel {
        try await store.model(named: name, in: scope.tenant, logger: scope.logger)
    }

    public func models(nameLike: String?, maxResults: Int?, pageToken: String?, _ scope: RequestScope) async throws -> ModelPage {
        try await store.listModels(
            nameLike: nameLike, maxResults: try Limits.maxResults(maxResults), pageToken: pageToken, in: scope.tenant,
            logger: scope.logger)
    }

    /// A search with a grammar the surface parsed (MLflow's), e.g. by name pattern and tags.
    public func searchModels(_ query: ModelQuery, _ scope: RequestScope) async throws -> ModelPage {
        try await store.searchModels(query, in: scope.tenant, logger: scope.logger)
    }

    /// The newest version in each stage of each model (MLflow's `latest_versions`).
    public func latestVersions(ofModels ids: [UUID], _ scope: RequestScope) async throws -> [ModelVersion] {
        try await store.latestVersions(ofModels: ids, in: scope.tenant, logger: scope.logger)
    }

    public func updateModel(named name: String, _ changes: RegisteredModelChanges, _ scope: RequestScope) async throws -> RegisteredModel {
        try await store.updateModel(named: name, changes, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }

    /// Refused while a version is in Production or under legal hold (the database also refuses the cascade).
    public func deleteModel(named name: String, _ scope: RequestScope) async throws {
        try await store.deleteModel(named: name, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("model deleted", metadata: ["cairn.model": "\(name)"])
    }

    public func compare(_ versions: [Int], of model: String, _ scope: RequestScope) async throws -> (model: String, VersionComparison) {
        let found = try await store.versions(versions, of: model, in: scope.tenant, logger: scope.logger)
        return (found.first?.modelName ?? model, VersionComparison(versions: found))
    }

    public func register(_ version: NewModelVersion, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        let created = try await store.createVersion(of: model, version, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("version registered", metadata: ["cairn.model": "\(created.modelName)", "cairn.version": "\(created.version)"])
        return created
    }

    public func version(_ version: Int, of model: String, _ scope: RequestScope) async throws -> ModelVersion {
        try await store.version(version, of: model, in: scope.tenant, logger: scope.logger)
    }

    public func search(_ query: VersionQuery, _ scope: RequestScope) async throws -> VersionPage {
        try await store.searchVersions(query, in: scope.tenant, logger: scope.logger)
    }

    /// READY only through finalize when the version has files; metrics are append-only once it has left None.
    public func updateVersion(_ version: Int, of model: String, _ changes: ModelVersionChanges, _ scope: RequestScope) async throws
        -> ModelVersion
    {
        try await store.updateVersion(version, of: model, changes, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }

    public func deleteVersion(_ version: Int, of model: String, _ scope: RequestScope) async throws {
        try await store.deleteVersion(version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("version deleted", metadata: ["cairn.model": "\(model)", "cairn.version": "\(version)"])
    }

    public func modelCard(_ version: Int, of model: String, _ scope: RequestScope) async throws -> ModelCard {
        try await store.modelCard(version, of: model, in: scope.tenant, logger: scope.logger)
    }

    /// A Production version's card changes only by an approver, and must pass the card gate again.
    public func setModelCard(_ card: ModelCard, version: Int, of model: String, _ scope: RequestScope) async throws -> ModelCard {
        try await store.setModelCard(
            card, version: version, of: model, role: scope.role, policy: scope.policy, in: scope.tenant, by: scope.actor,
            logger: scope.logger)
    }
}
