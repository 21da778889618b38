public import Foundation
public import Logging

public protocol DeploymentStore: Sendable {
    /// Starts serving `version` on (environment, target), ending whatever served there before, in one transaction.
    func deploy(_ version: Int, of modelName: String, _ deployment: NewDeployment, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> Deployment
    /// Ends an active deployment of this version.
    func undeploy(_ id: UUID, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws -> Deployment
    func deployments(of version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> [Deployment]
    /// What was serving at `instant` (optionally in one environment).
    func serving(at instant: Date, environment: String?, in tenant: Tenant, logger: Logger) async throws -> [Deployment]
}
