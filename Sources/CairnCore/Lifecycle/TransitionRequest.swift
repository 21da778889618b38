public import Foundation

public struct StageChange: Sendable, Equatable {
    public let toStage: Stage
    public let comment: String
    /// Move the model's other versions in `toStage` to Archived in the same transaction.
    public let archiveExisting: Bool

    public init(toStage: Stage, comment: String?, archiveExisting: Bool?) throws(CairnError) {
        self.toStage = toStage
        self.comment = try Limits.text(comment ?? "", field: "comment", max: 5000)
        self.archiveExisting = archiveExisting ?? false
    }
}

public struct TransitionRequest: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, approved, rejected, cancelled
    }

    public let id: UUID
    public let modelName: String
    public let version: Int
    public let fromStage: Stage
    public let toStage: Stage
    public let archiveExisting: Bool
    public let comment: String
    public let status: Status
    public let requestedBy: String
    public let requestedAt: Date
    public let decidedBy: String?
    public let decidedAt: Date?
    public let decisionComment: String?

    public init(
        id: UUID, modelName: String, version: Int, fromStage: Stage, toStage: Stage, archiveExisting: Bool, comment: String, status: Status,
        requestedBy: String, requestedAt: Date, decidedBy: String?, decidedAt: Date?, decisionComment: String?
    ) {
        self.id = id
        self.modelName = modelName
        self.version = version
        self.fromStage = fromStage
        self.toStage = toStage
        self.archiveExisting = archiveExisting
        self.comment = comment
        self.status = status
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.decisionComment = decisionComment
    }

    public enum Decision: String, Sendable {
        case approve, reject, cancel
    }

    /// Four-eyes: only a different approver approves or rejects; only the requester (or an admin) cancels.
    public func check(_ decision: Decision, by actor: String, role: Role) throws(CairnError) {
        guard status == .pending else { throw CairnError(.invalidState, "This request is already \(status.rawValue).") }
        switch decision {
        case .approve, .reject:
            guard LoginName(actor) != LoginName(requestedBy) else {
                throw .denied("You requested this transition; a different approver must \(decision.rawValue) it.")
            }
            let needed = (try? StageRules.requiredRole(from: fromStage, to: toStage)).map { max($0, .approver) } ?? .approver
            guard role >= needed else { throw .denied("Deciding this request needs the '\(needed.rawValue)' role.") }
        case .cancel:
            guard LoginName(actor) == LoginName(requestedBy) || role == .admin else {
                throw .denied("Only the requester or an admin may cancel a request.")
            }
        }
    }
}
