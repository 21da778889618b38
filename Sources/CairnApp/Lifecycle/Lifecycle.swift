public import CairnCore
public import Foundation
import Logging

/// What asking for a stage change led to.
public enum StageChangeOutcome: Sendable {
    /// Four-eyes: the change waits for a different approver.
    case requested(TransitionRequest)
    case applied(StageChangeResult)
}

public struct OfferedMove: Sendable, Equatable {
    public let stage: Stage
    /// The move becomes a transition request (four-eyes) instead of happening now.
    public let needsApproval: Bool
}

/// What a stage change that may approve a pending request led to.
public enum PromotionOutcome: Sendable {
    /// Four-eyes: the change now waits for a different approver (`isNew` false: the caller had asked already).
    case requested(TransitionRequest, isNew: Bool)
    case applied(StageChangeResult)
    /// The caller approved another person's pending request for this very move, which applied it.
    case approved(TransitionRequest, StageChangeResult)
}

/// Stage changes, the one place that decides whether a move is applied or becomes a request. The rules themselves
/// (legal moves and their roles in `StageRules`, four-eyes in `TransitionRequest.check`, the card gate in
/// `LifecyclePolicy.checkCard`) are Core's pure functions, which the store applies to the version's locked row.
public struct Lifecycle: Sendable {
    let store: any LifecycleStore

    public init(store: any LifecycleStore) {
        self.store = store
    }

    /// With four-eyes on (the tenant's default), a move to Production becomes a request; anything else is applied
    /// when the caller's role allows it.
    public func changeStage(_ version: Int, of model: String, _ change: StageChange, _ scope: RequestScope) async throws -> StageChangeOutcome {
        let policy = scope.policy
        if policy.needsApproval(to: change.toStage) {
            let pending = try await request(version, of: model, change, scope)
            return .requested(pending)
        }
        let result = try await store.transition(
            version, of: model, change, role: scope.role, policy: policy, in: scope.tenant, by: scope.actor,
            logger: scope.logger)
        scope.logger.info(
            "stage changed", metadata: ["cairn.model": "\(model)", "cairn.version": "\(version)", "cairn.stage": "\(change.toStage.rawValue)"])
        return .applied(result)
    }

    /// The moves `scope`'s person may start from `version`'s state: each target stage the rules allow, and whether it
    /// is applied at once or becomes a request for another approver. What a surface offers; `changeStage` still decides.
    public func offeredMoves(for version: ModelVersion, _ scope: RequestScope) -> [OfferedMove] {
        Stage.allCases.compactMap { target in
            guard let needed = try? StageRules.requiredRole(from: version.stage, to: target),
                (try? StageRules.check(status: version.status, to: target)) != nil
            else { return nil }
            if scope.policy.needsApproval(to: target) {
                return scope.role >= .contributor ? OfferedMove(stage: target, needsApproval: true) : nil
            }
            return scope.role >= needed ? OfferedMove(stage: target, needsApproval: false) : nil
        }
    }

    /// A stage change from a surface with no separate approve call (MLflow's transition-stage): when the move needs
    /// approval and someone else's request for exactly this move is pending, the caller's call approves it (four-eyes
    /// and the caller's role are checked by `decide`, as for an explicit approval); the requester asking again gets
    /// their pending request back; anything else is `changeStage`.
    public func changeStageApprovingPending(_ version: Int, of model: String, _ change: StageChange, _ scope: RequestScope) async throws
        -> PromotionOutcome
    {
        guard scope.policy.needsApproval(to: change.toStage) else {
            guard case .applied(let result) = try await changeStage(version, of: model, change, scope) else {
                throw CairnError(.internalError, "A change needing no approval was not applied.")
            }
            return .applied(result)
        }
        let pending = try await requests(status: .pending, model: model, version: version, scope).filter {
            $0.toStage == change.toStage && $0.archiveExisting == change.archiveExisting
        }
        if let mine = pending.first(where: { LoginName($0.requestedBy) == LoginName(scope.actor.username) }) {
            return .requested(mine, isNew: false)
        }
        if let theirs = pending.first {
            let decided = try await decide(theirs.id, .approve, comment: change.comment.isEmpty ? nil : change.comment, scope)
            guard let result = decided.change else { throw CairnError(.internalError, "An approval applied no change.") }
            return .approved(decided.request, result)
        }
        return .requested(try await request(version, of: model, change, scope), isNew: true)
    }

    /// A request for any move, bound to the version's current state (anything that changes it makes the request stale).
    public func request(_ version: Int, of model: String, _ change: StageChange, _ scope: RequestScope) async throws -> TransitionRequest {
        let pending = try await store.requestTransition(
            version, of: model, change, policy: scope.policy, in: scope.tenant, by: scope.actor, logger: scope.logger)
        scope.logger.info("transition requested", metadata: ["cairn.request": "\(pending.id)", "cairn.stage": "\(change.toStage.rawValue)"])
        return pending
    }

    public func requests(status: TransitionRequest.Status?, model: String?, version: Int?, _ scope: RequestScope) async throws
        -> [TransitionRequest]
    {
        try await store.transitionRequests(status: status, modelName: model, version: version, in: scope.tenant, logger: scope.logger)
    }

    /// Approve, reject or cancel; approving applies the change on the version's locked row.
    public func decide(_ id: UUID, _ decision: TransitionRequest.Decision, comment: String?, _ scope: RequestScope) async throws
        -> (request: TransitionRequest, change: StageChangeResult?)
    {
        let checkedComment = try comment.map { text throws(CairnError) in try Limits.text(text, field: "comment", max: 5000) }
        let outcome = try await store.decide(
            id, decision, comment: checkedComment, role: scope.role, policy: scope.policy, in: scope.tenant, by: scope.actor,
            logger: scope.logger)
        scope.logger.info("transition request decided", metadata: ["cairn.request": "\(id)", "cairn.decision": "\(decision.rawValue)"])
        return outcome
    }
}
