import CairnCore
import CairnHTTPKit
import Foundation

/// `PUT …/retention-policies` and a draft in a preview: the policy itself, validated by CairnCore.
struct RetentionPolicyBody: Decodable, StrictBody {
    let policy: RetentionPolicy

    init(from decoder: any Decoder) throws {
        policy = try RetentionPolicy(from: decoder)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case rules
        case deploymentProtectionDays = "deployment_protection_days"
    }
}

struct RetentionPreviewBody: Decodable, StrictBody {
    let policy: RetentionPolicy?

    enum CodingKeys: String, CodingKey, CaseIterable { case policy }
    static var nestedFields: [String: Set<String>] { ["policy": RetentionPolicyBody.fields] }
}

struct PurgeBody: Decodable, StrictBody {
    let comment: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case comment }
}

struct RetentionPolicyDTO: Encodable {
    let rules: [RetentionRule]
    let deploymentProtectionDays: Int
    /// 0 while the tenant has no policy.
    let revision: Int
    let updatedAt: Nullable<String>
    let updatedBy: Nullable<String>
    let nextRunAt: Nullable<String>

    init(_ stored: StoredRetentionPolicy?) {
        rules = stored?.policy.rules ?? []
        deploymentProtectionDays = stored?.policy.deploymentProtectionDays ?? 30
        revision = stored?.revision ?? 0
        updatedAt = Nullable(stored.map { RFC3339.format($0.updatedAt) })
        updatedBy = Nullable(stored?.updatedBy)
        nextRunAt = Nullable(stored?.nextRunAt.map(RFC3339.format))
    }

    enum CodingKeys: String, CodingKey {
        case rules, revision
        case deploymentProtectionDays = "deployment_protection_days"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
        case nextRunAt = "next_run_at"
    }
}

struct RetentionActionDTO: Encodable {
    let kind: String
    let model: String
    let version: Int
    let rule: String
    let reason: String

    init(_ action: RetentionAction) {
        kind = action.kind.rawValue
        model = action.model
        version = action.version
        rule = action.rule
        reason = action.reason
    }
}

struct HeldVersionDTO: Encodable {
    let model: String
    let version: Int
    let kind: String
    let rule: String
    let protection: String

    init(_ held: RetentionPlan.HeldVersion) {
        model = held.model
        version = held.version
        kind = held.kind.rawValue
        rule = held.rule
        protection = held.protection
    }
}

struct RetentionPreviewDTO: Encodable {
    let policyRevision: Nullable<Int>
    let evaluatedAt: String
    let versions: Int
    let counts: [String: Int]
    let actions: [RetentionActionDTO]
    let held: [HeldVersionDTO]

    init(_ preview: RetentionPreview) {
        policyRevision = Nullable(preview.policyRevision)
        evaluatedAt = RFC3339.format(preview.evaluatedAt)
        versions = preview.versions
        counts = Dictionary(uniqueKeysWithValues: RetentionAction.Kind.allCases.map { ($0.rawValue, preview.plan.count($0)) })
        actions = preview.plan.actions.map(RetentionActionDTO.init)
        held = preview.plan.held.map(HeldVersionDTO.init)
    }

    enum CodingKeys: String, CodingKey {
        case versions, counts, actions, held
        case policyRevision = "policy_revision"
        case evaluatedAt = "evaluated_at"
    }
}

struct RetentionRunDTO: Encodable {
    let id: String
    let trigger: String
    let slot: Nullable<String>
    let state: String
    let policyRevision: Int
    let actingAs: String
    let startedBy: String
    let startedAt: String
    let finishedAt: Nullable<String>
    let resumed: Int
    let counts: [String: Int]
    let error: Nullable<String>

    init(_ run: RetentionRun) {
        id = run.id.uuidString.lowercased()
        trigger = run.trigger.rawValue
        slot = Nullable(run.slot.map(RFC3339.format))
        state = run.state.rawValue
        policyRevision = run.policyRevision
        actingAs = run.actingAs
        startedBy = run.startedBy
        startedAt = RFC3339.format(run.startedAt)
        finishedAt = Nullable(run.finishedAt.map(RFC3339.format))
        resumed = run.resumed
        counts = [
            "planned": run.counts.planned, "archived": run.counts.archived, "purged": run.counts.purged, "deleted": run.counts.deleted,
            "skipped": run.counts.skipped,
        ]
        error = Nullable(run.error)
    }

    enum CodingKeys: String, CodingKey {
        case id, trigger, slot, state, resumed, counts, error
        case policyRevision = "policy_revision"
        case actingAs = "acting_as"
        case startedBy = "started_by"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

struct RetentionRunListDTO: Encodable {
    let runs: [RetentionRunDTO]
    let nextPageToken: Nullable<String>

    enum CodingKeys: String, CodingKey {
        case runs
        case nextPageToken = "next_page_token"
    }
}

struct RecordedActionDTO: Encodable {
    let seq: Int
    let kind: String
    let model: String
    let version: Int
    let rule: String
    let reason: String
    let state: String
    let note: Nullable<String>
    let doneAt: Nullable<String>

    init(_ recorded: RecordedRetentionAction) {
        seq = recorded.seq
        kind = recorded.action.kind.rawValue
        model = recorded.action.model
        version = recorded.action.version
        rule = recorded.action.rule
        reason = recorded.action.reason
        state = recorded.state.rawValue
        note = Nullable(recorded.note)
        doneAt = Nullable(recorded.doneAt.map(RFC3339.format))
    }

    enum CodingKeys: String, CodingKey {
        case seq, kind, model, version, rule, reason, state, note
        case doneAt = "done_at"
    }
}

struct RetentionRunDetailDTO: Encodable {
    let run: RetentionRunDTO
    let actions: [RecordedActionDTO]
    let nextPageToken: Nullable<String>

    enum CodingKeys: String, CodingKey {
        case run, actions
        case nextPageToken = "next_page_token"
    }
}
