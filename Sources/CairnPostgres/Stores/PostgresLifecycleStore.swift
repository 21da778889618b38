public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

public struct PostgresLifecycleStore: LifecycleStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func transition(
        _ version: Int, of modelName: String, _ change: StageChange, role: Role, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor,
        logger: Logger
    ) async throws -> StageChangeResult {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let current = try await PostgresRegistryStore.lockedVersion(version, ofModelNamed: modelName, on: connection, logger: logger)
            let result = try await Self.apply(change, to: current, role: role, policy: policy, by: actor, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version.stage_changed", objectType: "model_version", objectID: current.auditID,
                    before: .object(["stage": .string(current.stage.rawValue)]),
                    after: Self.changeJSON(change.comment, result)),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return result
        }
    }

    public func requestTransition(
        _ version: Int, of modelName: String, _ change: StageChange, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> TransitionRequest {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let current = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            _ = try StageRules.requiredRole(from: current.stage, to: change.toStage)
            try StageRules.check(status: current.status, to: change.toStage)
            try policy.checkCard(
                try await PostgresRegistryStore.card(current.version, modelID: model.id, on: connection, logger: logger), to: change.toStage)
            let pending =
                try await connection.query(
                    "SELECT count(*)::int FROM cairn.transition_requests WHERE model_id = \(model.id) AND version = \(version) AND status = 'pending'",
                    logger: logger
                ).decode(Int.self).first { _ in true } ?? 0
            guard pending == 0 else {
                throw CairnError(.invalidState, "Version \(version) of '\(model.name)' already has a pending transition request.")
            }
            let rows = try await connection.query(
                """
                INSERT INTO cairn.transition_requests AS r (
                    tenant_id, model_id, version, from_stage, to_stage, archive_existing, comment, requested_by, from_revision)
                SELECT \(tenant.id), \(model.id), \(version), \(current.stage.rawValue), \(change.toStage.rawValue), \(change.archiveExisting),
                       \(change.comment), \(actor.username), v.revision
                FROM cairn.model_versions v WHERE v.model_id = \(model.id) AND v.version = \(version)
                RETURNING \(unescaped: Self.requestColumns)
                """, logger: logger)
            guard let request = try await Self.requests(from: rows, modelName: model.name).first else {
                throw CairnError(.internalError, "The request was not created.")
            }
            try await AuditTrail.record(
                AuditEvent(
                    action: "transition_request.created", objectType: "transition_request", objectID: request.id.uuidString.lowercased(),
                    after: request.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return request
        }
    }

    public func transitionRequests(status: TransitionRequest.Status?, modelName: String?, version: Int?, in tenant: Tenant, logger: Logger)
        async throws -> [TransitionRequest]
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let modelID = try await modelName.asyncMap { try await PostgresRegistryStore.model(named: $0, on: connection, logger: logger).id }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.requestColumns), m.name AS model_name FROM cairn.transition_requests r
                JOIN cairn.registered_models m ON m.tenant_id = r.tenant_id AND m.id = r.model_id
                WHERE (\(status?.rawValue)::text IS NULL OR r.status = \(status?.rawValue))
                  AND (\(modelID)::uuid IS NULL OR r.model_id = \(modelID))
                  AND (\(version)::int IS NULL OR r.version = \(version))
                ORDER BY r.requested_at DESC, r.id LIMIT 1000
                """, logger: logger)
            return try await Self.requests(from: rows, modelName: nil)
        }
    }

    public func decide(
        _ id: UUID, _ decision: TransitionRequest.Decision, comment: String?, role: Role, policy: LifecyclePolicy, in tenant: Tenant,
        by actor: Actor, logger: Logger
    ) async throws -> (request: TransitionRequest, change: StageChangeResult?) {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.requestColumns), m.name AS model_name FROM cairn.transition_requests r
                JOIN cairn.registered_models m ON m.tenant_id = r.tenant_id AND m.id = r.model_id
                WHERE r.id = \(id) FOR UPDATE OF r
                """, logger: logger)
            guard let request = try await Self.requests(from: rows, modelName: nil).first else {
                throw CairnError.notFound("Transition request not found.")
            }
            try request.check(decision, by: actor.username, role: role)
            var change: StageChangeResult?
            if decision == .approve {
                let model = try await PostgresRegistryStore.model(named: request.modelName, on: connection, logger: logger)
                let current = try await PostgresRegistryStore.version(request.version, modelID: model.id, on: connection, logger: logger, lock: true)
                guard current.stage == request.fromStage else {
                    throw CairnError(
                        .invalidState,
                        "This request is stale: version \(request.version) moved from \(request.fromStage.rawValue) to \(current.stage.rawValue) since it was made. Cancel it and request again."
                    )
                }
                // The same stage is not the same version: a round trip (Staging → None → Staging), a card edit or a new
                // metric since the request was made means the approver would sign off something else.
                let unchanged =
                    try await connection.query(
                        """
                        SELECT r.from_revision = v.revision FROM cairn.transition_requests r
                        JOIN cairn.model_versions v ON v.tenant_id = r.tenant_id AND v.model_id = r.model_id AND v.version = r.version
                        WHERE r.id = \(id)
                        """, logger: logger
                    ).decode(Bool.self).first { _ in true } ?? false
                guard unchanged else {
                    throw CairnError(
                        .invalidState,
                        "This request is stale: version \(request.version) changed since it was made. Cancel it and request again.")
                }
                let stageChange = try StageChange(toStage: request.toStage, comment: request.comment, archiveExisting: request.archiveExisting)
                change = try await Self.apply(stageChange, to: current, role: role, policy: policy, by: actor, on: connection, logger: logger)
            }
            let status: TransitionRequest.Status =
                switch decision {
                case .approve: .approved
                case .reject: .rejected
                case .cancel: .cancelled
                }
            let decided = try await connection.query(
                """
                UPDATE cairn.transition_requests r SET status = \(status.rawValue), decided_by = \(actor.username), decided_at = now(),
                    decision_comment = \(comment)
                FROM cairn.registered_models m
                WHERE r.id = \(id) AND m.tenant_id = r.tenant_id AND m.id = r.model_id
                RETURNING \(unescaped: Self.requestColumns), m.name AS model_name
                """, logger: logger)
            guard let updated = try await Self.requests(from: decided, modelName: nil).first else {
                throw CairnError.notFound("Transition request not found.")
            }
            var after = updated.auditJSON
            if let change, case .object(var members) = after {
                members["stage_change"] = Self.changeJSON(nil, change)
                after = .object(members)
            }
            try await AuditTrail.record(
                AuditEvent(
                    action: "transition_request.\(status == .approved ? "approved" : status.rawValue)", objectType: "transition_request",
                    objectID: id.uuidString.lowercased(), before: request.auditJSON, after: after),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return (updated, change)
        }
    }

    /// The change itself, on a locked version row; the caller audits it.
    private static func apply(
        _ change: StageChange, to current: ModelVersion, role: Role, policy: LifecyclePolicy, by actor: Actor, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> StageChangeResult {
        let needed = try StageRules.requiredRole(from: current.stage, to: change.toStage)
        guard role >= needed else {
            throw CairnError.denied(
                "Moving a version from \(current.stage.rawValue) to \(change.toStage.rawValue) needs the '\(needed.rawValue)' role.")
        }
        try StageRules.check(status: current.status, to: change.toStage)
        if policy.needsCard(to: change.toStage) {
            try policy.checkCard(
                try await PostgresRegistryStore.card(current.version, modelID: current.modelID, on: connection, logger: logger), to: change.toStage)
        }
        var archived: [Int] = []
        if change.archiveExisting && change.toStage != .archived {
            let archiving = try StageRules.requiredRole(from: change.toStage, to: .archived)
            guard role >= archiving else { throw CairnError.denied("archive_existing needs the '\(archiving.rawValue)' role.") }
            for try await number in try await connection.query(
                """
                UPDATE cairn.model_versions SET stage = 'Archived', exclusive_production = false, stage_changed_at = now(),
                    stage_changed_by = \(actor.username), updated_by = \(actor.username)
                WHERE model_id = \(current.modelID) AND stage = \(change.toStage.rawValue) AND version <> \(current.version)
                RETURNING version
                """, logger: logger
            ).decode(Int.self) {
                archived.append(number)
            }
        }
        if change.toStage == .production && policy.singleProductionVersion {
            let live = try await connection.query(
                """
                SELECT version FROM cairn.model_versions WHERE model_id = \(current.modelID) AND stage = 'Production' AND version <> \(current.version)
                """, logger: logger
            ).decode(Int.self).first { _ in true }
            if let live {
                throw CairnError(
                    .invalidState, "Version \(live) of '\(current.modelName)' is in Production and this tenant allows one; set archive_existing.")
            }
        }
        // The moved version comes back from the UPDATE itself (its BEFORE triggers' revision and updated_at included).
        // Its model counts as updated too (MLflow's last_updated_timestamp moves with every stage change).
        let moved = try await connection.query(
            """
            WITH touched AS (UPDATE cairn.registered_models SET updated_by = \(actor.username) WHERE id = \(current.modelID))
            UPDATE cairn.model_versions v SET stage = \(change.toStage.rawValue),
                exclusive_production = \(change.toStage == .production && policy.singleProductionVersion),
                stage_changed_at = now(), stage_changed_by = \(actor.username), updated_by = \(actor.username)
            FROM cairn.registered_models m
            WHERE m.tenant_id = v.tenant_id AND m.id = v.model_id AND v.model_id = \(current.modelID) AND v.version = \(current.version)
            RETURNING \(unescaped: PostgresRegistryStore.versionColumns)
            """, logger: logger)
        var updated: ModelVersion?
        for try await row in moved { updated = try PostgresRegistryStore.version(from: row.makeRandomAccess()) }
        guard let updated else { throw CairnError.notFound("Version \(current.version) not found.") }
        return StageChangeResult(version: updated, archived: archived.sorted())
    }

    /// The audit snapshot of a stage change; approvals carry the comment in the request itself.
    private static func changeJSON(_ comment: String?, _ result: StageChangeResult) -> JSONValue {
        var members: JSONObject = [
            "stage": .string(result.version.stage.rawValue), "archived_versions": .array(result.archived.map { .number(Double($0)) }),
        ]
        if let comment { members["comment"] = .string(comment) }
        return .object(members)
    }

    static let requestColumns = """
        r.id, r.version, r.from_stage, r.to_stage, r.archive_existing, r.comment, r.status, r.requested_by, r.requested_at,
        r.decided_by, r.decided_at, r.decision_comment
        """

    private static func requests(from rows: PostgresRowSequence, modelName: String?) async throws -> [TransitionRequest] {
        var requests: [TransitionRequest] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            let name: String = try modelName ?? r.value("model_name")
            requests.append(
                TransitionRequest(
                    id: try r.value("id"), modelName: name, version: try r.value("version"),
                    fromStage: try Stage(validating: try r.value("from_stage")), toStage: try Stage(validating: try r.value("to_stage")),
                    archiveExisting: try r.value("archive_existing"), comment: try r.value("comment"),
                    status: TransitionRequest.Status(rawValue: try r.value("status")) ?? .pending, requestedBy: try r.value("requested_by"),
                    requestedAt: try r.value("requested_at"), decidedBy: try r.value("decided_by"), decidedAt: try r.value("decided_at"),
                    decisionComment: try r.value("decision_comment")))
        }
        return requests
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension TransitionRequest {
    var auditJSON: JSONValue {
        .object([
            "id": .string(id.uuidString.lowercased()), "model": .string(modelName), "version": .number(Double(version)),
            "from_stage": .string(fromStage.rawValue), "to_stage": .string(toStage.rawValue), "archive_existing": .bool(archiveExisting),
            "comment": .string(comment), "status": .string(status.rawValue), "requested_by": .string(requestedBy),
            "decided_by": decidedBy.map(JSONValue.string) ?? .null, "decision_comment": decisionComment.map(JSONValue.string) ?? .null,
        ])
    }
}
