import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// Stage changes and transition requests; `Lifecycle` decides whether a move is applied or becomes a request.
    func addLifecycleRoutes() {
        let lifecycle = app.lifecycle
        let version = "tenants/{tenant}/models/{model}/versions/{version}"

        add(.post, "\(version)/transitions", access: .tenant(.contributor)) { request, context, scope in
            let change = try await JSONBody.decode(StageChangeBody.self, from: request, context: context).change()
            let outcome = try await lifecycle.changeStage(try context.versionParameter(), of: try context.pathParameter("model"), change, scope)
            switch outcome {
            case .requested(let pending):
                return try .json(
                    TransitionOutcomeDTO(
                        outcome: "requested", modelVersion: Nullable(nil), archivedVersions: [],
                        transitionRequest: Nullable(TransitionRequestDTO(pending))),
                    status: .accepted)
            case .applied(let result):
                return try .json(
                    TransitionOutcomeDTO(
                        outcome: "applied", modelVersion: Nullable(VersionDTO(result.version)), archivedVersions: result.archived,
                        transitionRequest: Nullable(nil)))
            }
        }

        add(.get, "\(version)/transition-requests", access: .tenant(.reader)) { _, context, scope in
            let requests = try await lifecycle.requests(
                status: nil, model: try context.pathParameter("model"), version: try context.versionParameter(), scope)
            return try .json(TransitionRequestListDTO(transitionRequests: requests.map(TransitionRequestDTO.init)))
        }

        add(.post, "\(version)/transition-requests", access: .tenant(.contributor)) { request, context, scope in
            let change = try await JSONBody.decode(StageChangeBody.self, from: request, context: context).change()
            let pending = try await lifecycle.request(try context.versionParameter(), of: try context.pathParameter("model"), change, scope)
            return try .json(TransitionRequestDTO(pending), status: .created)
        }

        add(.get, "tenants/{tenant}/transition-requests", access: .tenant(.reader)) { request, context, scope in
            let status = try request.query("status").map { raw throws(CairnError) in
                guard let status = TransitionRequest.Status(rawValue: raw) else {
                    throw .invalid("'status' must be one of \(TransitionRequest.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return status
            }
            let requests = try await lifecycle.requests(status: status, model: request.query("model"), version: nil, scope)
            return try .json(TransitionRequestListDTO(transitionRequests: requests.map(TransitionRequestDTO.init)))
        }

        for (decision, role) in [(TransitionRequest.Decision.approve, Role.approver), (.reject, .approver), (.cancel, .contributor)] {
            add(.post, "tenants/{tenant}/transition-requests/{request}/\(decision.rawValue)", access: .tenant(role)) { request, context, scope in
                guard let id = UUID(uuidString: try context.pathParameter("request")) else {
                    throw CairnError.notFound("Transition request not found.")
                }
                let body = try await JSONBody.decodeIfPresent(DecisionBody.self, from: request, context: context)
                let (decided, change) = try await lifecycle.decide(id, decision, comment: body?.comment, scope)
                return try .json(
                    TransitionOutcomeDTO(
                        outcome: decided.status.rawValue, modelVersion: Nullable(change.map { VersionDTO($0.version) }),
                        archivedVersions: change?.archived ?? [], transitionRequest: Nullable(TransitionRequestDTO(decided))))
            }
        }
    }
}
