import CairnCore
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// Stage changes. Rules (who may move what where) are checked by the store on the locked version row; with
    /// four-eyes on (the default) a move to Production becomes a request a different approver must approve.
    func addLifecycleRoutes(lifecycle store: any LifecycleStore) {
        let version = "tenants/{tenant}/models/{model}/versions/{version}"

        add(.post, "\(version)/transitions", access: .tenant(.contributor)) { request, context, scope in
            let change = try await JSONBody.decode(StageChangeBody.self, from: request, context: context).change()
            let policy = LifecyclePolicy(settings: scope.tenant.settings)
            let model = try context.pathParameter("model")
            let number = try context.versionParameter()
            if policy.needsApproval(to: change.toStage) {
                let pending = try await store.requestTransition(
                    number, of: model, change, policy: policy, in: scope.tenant, by: scope.actor, logger: context.logger)
                context.logger.info(
                    "transition requested", metadata: ["cairn.request": "\(pending.id)", "cairn.stage": "\(change.toStage.rawValue)"])
                return try .json(
                    TransitionOutcomeDTO(
                        outcome: "requested", modelVersion: Nullable(nil), archivedVersions: [],
                        transitionRequest: Nullable(TransitionRequestDTO(pending))),
                    status: .accepted)
            }
            let result = try await store.transition(
                number, of: model, change, role: scope.access.role ?? .reader, policy: policy, in: scope.tenant, by: scope.actor,
                logger: context.logger)
            context.logger.info(
                "stage changed", metadata: ["cairn.model": "\(model)", "cairn.version": "\(number)", "cairn.stage": "\(change.toStage.rawValue)"])
            return try .json(
                TransitionOutcomeDTO(
                    outcome: "applied", modelVersion: Nullable(VersionDTO(result.version)), archivedVersions: result.archived,
                    transitionRequest: Nullable(nil)))
        }

        add(.get, "\(version)/transition-requests", access: .tenant(.reader)) { _, context, scope in
            let requests = try await store.transitionRequests(
                status: nil, modelName: try context.pathParameter("model"), version: try context.versionParameter(), in: scope.tenant,
                logger: context.logger)
            return try .json(TransitionRequestListDTO(transitionRequests: requests.map(TransitionRequestDTO.init)))
        }

        add(.post, "\(version)/transition-requests", access: .tenant(.contributor)) { request, context, scope in
            let change = try await JSONBody.decode(StageChangeBody.self, from: request, context: context).change()
            let pending = try await store.requestTransition(
                try context.versionParameter(), of: try context.pathParameter("model"), change,
                policy: LifecyclePolicy(settings: scope.tenant.settings), in: scope.tenant, by: scope.actor, logger: context.logger)
            return try .json(TransitionRequestDTO(pending), status: .created)
        }

        add(.get, "tenants/{tenant}/transition-requests", access: .tenant(.reader)) { request, context, scope in
            let status = try request.query("status").map { raw throws(CairnError) in
                guard let status = TransitionRequest.Status(rawValue: raw) else {
                    throw .invalid("'status' must be one of \(TransitionRequest.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return status
            }
            let requests = try await store.transitionRequests(
                status: status, modelName: request.query("model"), version: nil, in: scope.tenant, logger: context.logger)
            return try .json(TransitionRequestListDTO(transitionRequests: requests.map(TransitionRequestDTO.init)))
        }

        for (decision, role) in [(TransitionRequest.Decision.approve, Role.approver), (.reject, .approver), (.cancel, .contributor)] {
            add(.post, "tenants/{tenant}/transition-requests/{request}/\(decision.rawValue)", access: .tenant(role)) { request, context, scope in
                guard let id = UUID(uuidString: try context.pathParameter("request")) else {
                    throw CairnError.notFound("Transition request not found.")
                }
                let body = try await JSONBody.decodeIfPresent(DecisionBody.self, from: request, context: context)
                let comment = try body?.comment.map { c throws(CairnError) in try Limits.text(c, field: "comment", max: 5000) }
                let (decided, change) = try await store.decide(
                    id, decision, comment: comment, role: scope.access.role ?? .reader, policy: LifecyclePolicy(settings: scope.tenant.settings),
                    in: scope.tenant, by: scope.actor, logger: context.logger)
                context.logger.info("transition request decided", metadata: ["cairn.request": "\(id)", "cairn.decision": "\(decision.rawValue)"])
                return try .json(
                    TransitionOutcomeDTO(
                        outcome: decided.status.rawValue, modelVersion: Nullable(change.map { VersionDTO($0.version) }),
                        archivedVersions: change?.archived ?? [], transitionRequest: Nullable(TransitionRequestDTO(decided))))
            }
        }
    }
}
