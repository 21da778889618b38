import CairnCore
import CairnHTTPKit
import Foundation

struct TransitionRequestDTO: Encodable {
    let id: String
    let model: String
    let version: Int
    let fromStage: String
    let toStage: String
    let archiveExisting: Bool
    let comment: String
    let status: String
    let requestedBy: String
    let requestedAt: String
    let decidedBy: Nullable<String>
    let decidedAt: Nullable<String>
    let decisionComment: Nullable<String>

    init(_ r: TransitionRequest) {
        id = r.id.uuidString.lowercased()
        model = r.modelName
        version = r.version
        fromStage = r.fromStage.rawValue
        toStage = r.toStage.rawValue
        archiveExisting = r.archiveExisting
        comment = r.comment
        status = r.status.rawValue
        requestedBy = r.requestedBy
        requestedAt = RFC3339.format(r.requestedAt)
        decidedBy = Nullable(r.decidedBy)
        decidedAt = Nullable(r.decidedAt.map(RFC3339.format))
        decisionComment = Nullable(r.decisionComment)
    }

    enum CodingKeys: String, CodingKey {
        case id, model, version, comment, status
        case fromStage = "from_stage"
        case toStage = "to_stage"
        case archiveExisting = "archive_existing"
        case requestedBy = "requested_by"
        case requestedAt = "requested_at"
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
        case decisionComment = "decision_comment"
    }
}

struct TransitionRequestListDTO: Encodable {
    let transitionRequests: [TransitionRequestDTO]

    enum CodingKeys: String, CodingKey {
        case transitionRequests = "transition_requests"
    }
}

/// A transition's outcome: applied now (`model_version`), or waiting for a second approver (`transition_request`).
struct TransitionOutcomeDTO: Encodable {
    let outcome: String
    let modelVersion: Nullable<VersionDTO>
    let archivedVersions: [Int]
    let transitionRequest: Nullable<TransitionRequestDTO>

    enum CodingKeys: String, CodingKey {
        case outcome
        case modelVersion = "model_version"
        case archivedVersions = "archived_versions"
        case transitionRequest = "transition_request"
    }
}

struct StageChangeBody: Decodable, StrictBody {
    let toStage: String
    let comment: String?
    let archiveExisting: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case comment
        case toStage = "to_stage"
        case archiveExisting = "archive_existing"
    }

    func change() throws(CairnError) -> StageChange {
        try StageChange(toStage: try Stage(validating: toStage), comment: comment, archiveExisting: archiveExisting)
    }
}

struct DecisionBody: Decodable, StrictBody {
    let comment: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case comment }
}
