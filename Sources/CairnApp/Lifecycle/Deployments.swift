public import CairnCore
public import Foundation
import Logging

/// Where and when versions serve; one version per (environment, target) at a time, kept by the database.
public struct Deployments: Sendable {
    let store: any DeploymentStore

    public init(store: any DeploymentStore) {
        self.store = store
    }

    public func deploy(_ version: Int, of model: String, _ deployment: NewDeployment, _ scope: RequestScope) async throws -> Deployment {
        let recorded = try await store.deploy(version, of: model, deployment, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info(
            "deployment recorded", metadata: ["cairn.deployment": "\(recorded.id)", "cairn.environment": "\(recorded.environment)"])
        return recorded
    }

    public func undeploy(_ id: UUID, version: Int, of model: String, _ scope: RequestScope) async throws -> Deployment {
        try await store.undeploy(id, version: version, of: model, in: scope.tenant, by: scope.actor, logger: scope.logger)
    }

    public func history(of version: Int, of model: String, _ scope: RequestScope) async throws -> [Deployment] {
        try await store.deployments(of: version, of: model, in: scope.tenant, logger: scope.logger)
    }

    /// What served at `instant` (now when nil).
    public func serving(at instant: Date?, environment: String?, _ scope: RequestScope) async throws -> [Deployment] {
        try await store.serving(at: instant ?? Date(), environment: environment, in: scope.tenant, logger: scope.logger)
    }
}
