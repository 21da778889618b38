public import Foundation
public import Logging

public struct StageChangeResult: Sendable, Equatable {
    public let version: ModelVersion
    /// Other versions archived by `archive_existing`.
    public let archived: [Int]

    public init(version: ModelVersion, archived: [Int]) {
        self.version = version
        self.archived = archived
    }
}

/// Stage changes and transition requests. Each call checks `StageRules` against the version's locked row, so the
/// decision and the change happen on the same state.
public protocol LifecycleStore: Sendable {
    func transition(
        _ version: Int, of modelName: String, _ change: StageChange, role: Role, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor,
        logger: Logger
    ) async throws -> StageChangeResult
    func requestTransition(
        _ version: Int, of modelName: String, _ change: StageChange, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> TransitionRequest
    func transitionRequests(status: TransitionRequest.Status?, modelName: String?, version: Int?, in tenant: Tenant, logger: Logger) async throws
        -> [TransitionRequest]
    /// Approving applies the change atomically; a request whose version changed stage since is refused as stale.
    func decide(
        _ id: UUID, _ decision: TransitionRequest.Decision, comment: String?, role: Role, policy: LifecyclePolicy, in tenant: Tenant,
        by actor: Actor, logger: Logger
    ) async throws -> (request: TransitionRequest, change: StageChangeResult?)
}
