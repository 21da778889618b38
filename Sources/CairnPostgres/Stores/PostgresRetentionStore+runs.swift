public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

extension PostgresRetentionStore {
    /// A run taken over this many times without finishing is marked failed instead of resumed again.
    static let maxResumes = 5

    public func tenantsDue(at now: Date, only: [TenantSlug]?, logger: Logger) async throws -> [Tenant] {
        try await database.withoutTenant(logger: logger) { connection in
            try await PostgresTenantStore.tenants(
                from: connection.query(
                    """
                    SELECT \(unescaped: PostgresTenantStore.columns) FROM cairn.tenants_with_retention_due(\(now), \(only?.map(\.value))) AS d(id)
                    JOIN cairn.tenants t ON t.id = d.id
                    """, logger: logger))
        }
    }

    public func claim(_ claim: RetentionClaim, in tenant: Tenant, logger: Logger) async throws -> RetentionRun? {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            var interval: Duration?
            var person: Actor?
            switch claim.kind {
            case .schedule(let every): interval = every
            case .manual(let actor): person = actor
            }
            // A scheduled claim passes over a tenant another replica is claiming; a person waits for it.
            guard
                let stored = try await Self.storedPolicy(
                    on: connection, lock: person == nil ? "FOR UPDATE SKIP LOCKED" : "FOR UPDATE", logger: logger)
            else {
                if person != nil { throw CairnError(.invalidState, "Tenant '\(tenant.slug)' has no retention policy; set one first.") }
                return nil
            }
            let leaseUntil = claim.now.addingTimeInterval(claim.lease.seconds)
            let running = try await connection.query(
                "SELECT id, lease_owner, lease_until, resumed FROM cairn.retention_runs WHERE state = 'running' FOR UPDATE", logger: logger
            ).decode((UUID, String?, Date?, Int).self).first { _ in true }
            if let (id, holder, until, resumed) = running {
                if let until, until > claim.now {
                    guard person == nil else {
                        throw CairnError(
                            .invalidState,
                            "Retention run \(id.uuidString.lowercased()) is in progress (held by \(holder ?? "?") until \(RFC3339.format(until))).")
                    }
                    return nil
                }
                if resumed < Self.maxResumes {
                    logger.notice(
                        "resuming an abandoned retention run", metadata: ["cairn.run": "\(id)", "cairn.previous_holder": "\(holder ?? "?")"])
                    return try await Self.runs(
                        from: connection.query(
                            """
                            UPDATE cairn.retention_runs r SET lease_owner = \(claim.owner), lease_until = \(leaseUntil), resumed = resumed + 1
                            WHERE r.id = \(id) RETURNING \(unescaped: Self.runColumns)
                            """, logger: logger)
                    ).first
                }
                logger.error("giving up on a retention run abandoned too often", metadata: ["cairn.run": "\(id)"])
                try await connection.query(
                    """
                    UPDATE cairn.retention_runs SET state = 'failed', finished_at = \(claim.now), lease_owner = NULL, lease_until = NULL,
                        error = left('abandoned ' || resumed + 1 || ' times; last error: ' || COALESCE(error, 'none recorded'), 2000)
                    WHERE id = \(id)
                    """, logger: logger)
            }
            var slot: Date?
            if let interval {
                // Times are compared to the millisecond: the database keeps microseconds, a Date more.
                if let next = stored.nextRunAt, next.timeIntervalSince(claim.now) > 0.001 { return nil }
                // Slots stay on the grid the first run started; slots missed while no replica ran are skipped.
                let start = stored.nextRunAt ?? Date(timeIntervalSince1970: (claim.now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
                let every = max(interval.seconds, 0.001)
                let missed = max(0, (claim.now.timeIntervalSince(start) / every).rounded(.down))
                let next = start.addingTimeInterval((missed + 1) * every)
                try await connection.query("UPDATE cairn.retention_policies SET next_run_at = \(next)", logger: logger)
                slot = start
            }
            let loaded = try await Self.candidates(on: connection, logger: logger)
            let plan = RetentionPlanner.evaluate(loaded.map(\.candidate), policy: stored.policy, now: claim.now)
            let modelIDs = Dictionary(loaded.map { ($0.candidate.model, $0.modelID) }, uniquingKeysWith: { first, _ in first })
            let actions = plan.actions
            // The planner names only models it was given, so every action has its model's id.
            let actionModelIDs = try actions.map { action in
                guard let modelID = modelIDs[action.model] else { throw CairnError(.internalError, "Planned an unknown model.") }
                return modelID
            }
            let id = UUID()
            let rows = try await connection.query(
                """
                INSERT INTO cairn.retention_runs AS r (tenant_id, id, trigger, slot, policy_revision, acting_as, started_by, started_at,
                    lease_owner, lease_until, planned)
                VALUES (\(tenant.id), \(id), \(slot == nil ? "manual" : "schedule"), \(slot), \(stored.revision),
                        \(person?.username ?? stored.updatedBy), \(claim.owner), \(claim.now), \(claim.owner), \(leaseUntil), \(plan.actions.count))
                RETURNING \(unescaped: Self.runColumns)
                """, logger: logger)
            guard let run = try await Self.runs(from: rows).first else { throw CairnError(.internalError, "The retention run was not recorded.") }
            for start in stride(from: 0, to: actions.count, by: 10_000) {
                let chunk = actions[start..<min(start + 10_000, actions.count)]
                try await connection.query(
                    """
                    INSERT INTO cairn.retention_run_actions (tenant_id, run_id, seq, kind, model_id, model, version, rule, reason)
                    SELECT \(tenant.id), \(id), a.seq, a.kind, a.model_id, a.model, a.version, a.rule, a.reason
                    FROM unnest(\(Array(start + 1...start + chunk.count))::int[], \(chunk.map(\.kind.rawValue))::text[],
                                \(Array(actionModelIDs[start..<start + chunk.count]))::uuid[], \(chunk.map(\.model))::text[], \(chunk.map(\.version))::int[],
                                \(chunk.map(\.rule))::text[], \(chunk.map(\.reason))::text[])
                         AS a(seq, kind, model_id, model, version, rule, reason)
                    """, logger: logger)
            }
            logger.info(
                "retention run started",
                metadata: [
                    "cairn.run": "\(id)", "cairn.trigger": "\(run.trigger.rawValue)", "cairn.planned": "\(actions.count)",
                    "cairn.versions": "\(loaded.count)",
                ])
            return run
        }
    }

    private struct Pending {
        let seq: Int
        let kind: RetentionAction.Kind
        let modelID: UUID
        let model: String
        let version: Int
        let rule: String
        let reason: String

        var key: VersionKey { VersionKey(modelID, version) }
        var objectID: String { "\(model)/\(version)" }
    }

    public func step(_ run: RetentionRun, owner: String, now: Date, lease: Duration, batchSize: Int, in tenant: Tenant, logger: Logger)
        async throws -> RetentionStep
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            // Marks this transaction as retention's, so the protection trigger also guards archives and deletes.
            try await connection.query("SELECT set_config('app.retention_run', \(run.id.uuidString), true)", logger: logger)
            let renewed = try await connection.query(
                """
                UPDATE cairn.retention_runs SET lease_until = \(now.addingTimeInterval(lease.seconds))
                WHERE id = \(run.id) AND state = 'running' AND lease_owner = \(owner) RETURNING acting_as, done_through
                """, logger: logger
            ).decode((String, Int).self).first { _ in true }
            guard let (actingAs, doneThrough) = renewed else { throw RetentionLeaseLost(run: run.id, owner: owner) }
            let actor = Actor(username: actingAs, requestID: "retention-run:\(run.id.uuidString.lowercased())")
            var pending = try await Self.pending(run.id, after: doneThrough, limit: batchSize, on: connection, logger: logger)
            if pending.isEmpty, doneThrough > 0 {
                // Nothing after the cursor; anything left behind it (a batch another holder rolled back) still counts.
                pending = try await Self.pending(run.id, after: 0, limit: batchSize, on: connection, logger: logger)
            }
            guard !pending.isEmpty else {
                return RetentionStep(
                    run: try await Self.finishIfDone(run, now: now, actor: actor, tenantID: tenant.id, on: connection, logger: logger), processed: 0,
                    purgedBlobs: [])
            }

            let policy = try await Self.storedPolicy(on: connection, lock: nil, logger: logger)?.policy ?? RetentionPolicy(rules: [])
            let current = try await Self.candidates(of: pending.map { ($0.modelID, $0.version) }, on: connection, logger: logger)
            var done: [Pending] = []
            var notes: [Int: String] = [:]
            for action in pending {
                if let note = Self.obstacle(to: action, current: current, policy: policy, now: now) {
                    notes[action.seq] = note
                } else {
                    done.append(action)
                }
            }
            var audit: [Int: AuditEvent] = [:]
            let archive = done.filter { $0.kind == .archive }
            if !archive.isEmpty {
                try await connection.query(
                    """
                    UPDATE cairn.model_versions SET stage = 'Archived', exclusive_production = false, stage_changed_at = now(),
                        stage_changed_by = \(actor.username), updated_by = \(actor.username)
                    WHERE (model_id, version) IN (SELECT * FROM unnest(\(archive.map(\.modelID))::uuid[], \(archive.map(\.version))::int[]))
                    """, logger: logger)
                for action in archive {
                    let before = current.versions[action.key]?.candidate.stage.rawValue ?? "None"
                    audit[action.seq] = AuditEvent(
                        action: "model_version.archived", objectType: "model_version", objectID: action.objectID,
                        before: .object(["stage": .string(before)]),
                        after: Self.after(action, run: run, ["stage": .string("Archived")]))
                }
            }
            let purge = done.filter { $0.kind == .purge }
            var released: [BlobDigest] = []
            if !purge.isEmpty {
                let content = try await Self.content(of: purge.map { ($0.modelID, $0.version) }, on: connection, logger: logger)
                released = content.blobs
                try await connection.query(
                    """
                    UPDATE cairn.model_versions SET purged_at = now(), purged_by = \(actor.username), updated_by = \(actor.username)
                    WHERE (model_id, version) IN (SELECT * FROM unnest(\(purge.map(\.modelID))::uuid[], \(purge.map(\.version))::int[]))
                    """, logger: logger)
                for action in purge {
                    audit[action.seq] = AuditEvent(
                        action: "model_version.purged", objectType: "model_version", objectID: action.objectID,
                        before: (content.summaries[action.key] ?? .empty).json,
                        after: Self.after(action, run: run, ["purged": .bool(true)]))
                }
            }
            let delete = done.filter { $0.kind == .deleteTombstone }
            if !delete.isEmpty {
                // The tombstone's whole record goes into the audit entry, which stays.
                var records: [VersionKey: JSONValue] = [:]
                let rows = try await connection.query(
                    """
                    DELETE FROM cairn.model_versions v
                    WHERE (v.model_id, v.version) IN (SELECT * FROM unnest(\(delete.map(\.modelID))::uuid[], \(delete.map(\.version))::int[]))
                    RETURNING v.model_id, v.version, (to_jsonb(v) - 'tenant_id')::text
                    """, logger: logger)
                for try await (modelID, version, record) in rows.decode((UUID, Int, String).self) {
                    records[VersionKey(modelID, version)] = try JSONDecoder().decode(JSONValue.self, from: Data(record.utf8))
                }
                for action in delete {
                    audit[action.seq] = AuditEvent(
                        action: "model_version.deleted", objectType: "model_version", objectID: action.objectID, before: records[action.key],
                        after: Self.after(action, run: run, ["tombstone_deleted": .bool(true)]))
                }
            }
            try await AuditTrail.recordAll(
                audit.sorted { $0.key < $1.key }.map(\.value), by: actor, tenantID: tenant.id, on: connection, logger: logger)

            let seqs = pending.map(\.seq)
            // `seq = ANY` keeps to the primary key; a join with unnest here was planned as a scan of the whole run.
            try await connection.query(
                """
                UPDATE cairn.retention_run_actions SET state = 'done', done_at = now()
                WHERE run_id = \(run.id) AND seq = ANY(\(done.map(\.seq))::int[])
                """, logger: logger)
            for (seq, note) in notes.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    """
                    UPDATE cairn.retention_run_actions SET state = 'skipped', note = \(note), done_at = now()
                    WHERE run_id = \(run.id) AND seq = \(seq)
                    """, logger: logger)
            }
            let updated = try await Self.runs(
                from: connection.query(
                    """
                    UPDATE cairn.retention_runs r SET archived = archived + \(archive.count), purged = purged + \(purge.count),
                        deleted = deleted + \(delete.count), skipped = skipped + \(notes.count),
                        done_through = greatest(done_through, \(seqs.max() ?? 0))
                    WHERE r.id = \(run.id) RETURNING \(unescaped: Self.runColumns)
                    """, logger: logger)
            ).first
            return RetentionStep(run: updated ?? run, processed: pending.count, purgedBlobs: released)
        }
    }

    public func release(_ run: RetentionRun, owner: String, error: String, now: Date, in tenant: Tenant, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await connection.query(
                """
                UPDATE cairn.retention_runs SET lease_until = \(now), error = left(\(error), 2000)
                WHERE id = \(run.id) AND state = 'running' AND lease_owner = \(owner)
                """, logger: logger)
            return ()
        }
    }

    /// Why a planned action no longer applies to the version as it is now (nil: go ahead).
    private static func obstacle(
        to action: Pending, current: (versions: [VersionKey: LoadedCandidate], latest: [UUID: Int]), policy: RetentionPolicy, now: Date
    )
        -> String?
    {
        guard let version = current.versions[action.key]?.candidate else { return "the version no longer exists" }
        if let why = RetentionPlanner.blocker(of: version, kind: action.kind, latest: current.latest[action.modelID], policy: policy, now: now) {
            return "now protected: \(why)"
        }
        switch action.kind {
        case .archive:
            if version.stage == .archived { return "already archived" }
        case .purge:
            if version.purgedAt != nil { return "already purged" }
            if version.stage != .archived { return "no longer archived (now in \(version.stage.rawValue))" }
        case .deleteTombstone:
            if version.purgedAt == nil { return "not a tombstone" }
        }
        return nil
    }

    /// The audit snapshot after a retention action: what changed, and which run, rule and reason did it.
    private static func after(_ action: Pending, run: RetentionRun, _ change: JSONObject) -> JSONValue {
        .object(
            change.merging([
                "retention_run": .string(run.id.uuidString.lowercased()), "rule": .string(action.rule), "reason": .string(action.reason),
            ]) { first, _ in first })
    }

    private static func pending(_ runID: UUID, after seq: Int, limit: Int, on connection: PostgresConnection, logger: Logger) async throws
        -> [Pending]
    {
        let rows = try await connection.query(
            """
            SELECT seq, kind, model_id, model, version, rule, reason FROM cairn.retention_run_actions
            WHERE run_id = \(runID) AND state = 'pending' AND seq > \(seq) ORDER BY seq LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, logger: logger)
        var pending: [Pending] = []
        for try await (seq, kind, modelID, model, version, rule, reason) in rows.decode((Int, String, UUID, String, Int, String, String).self) {
            guard let kind = RetentionAction.Kind(rawValue: kind) else { continue }
            pending.append(Pending(seq: seq, kind: kind, modelID: modelID, model: model, version: version, rule: rule, reason: reason))
        }
        return pending
    }

    /// Completes the run when no action is left (one another holder still has locked is not "left" for long: it
    /// finishes or its transaction rolls back and the action is pending again).
    private static func finishIfDone(_ run: RetentionRun, now: Date, actor: Actor, tenantID: UUID, on connection: PostgresConnection, logger: Logger)
        async throws
        -> RetentionRun
    {
        let left =
            try await connection.query(
                "SELECT count(*)::int FROM cairn.retention_run_actions WHERE run_id = \(run.id) AND state = 'pending'", logger: logger
            ).decode(Int.self).first { _ in true } ?? 0
        guard left == 0 else { return run }
        guard
            let finished = try await Self.runs(
                from: connection.query(
                    """
                    UPDATE cairn.retention_runs r SET state = 'completed', finished_at = \(max(now, run.startedAt)), lease_owner = NULL, lease_until = NULL,
                        error = NULL
                    WHERE r.id = \(run.id) RETURNING \(unescaped: Self.runColumns)
                    """, logger: logger)
            ).first
        else { return run }
        let counts = finished.counts
        try await AuditTrail.record(
            AuditEvent(
                action: "retention_run.completed", objectType: "retention_run", objectID: run.id.uuidString.lowercased(),
                after: .object([
                    "trigger": .string(finished.trigger.rawValue), "policy_revision": .number(Double(finished.policyRevision)),
                    "planned": .number(Double(counts.planned)), "archived": .number(Double(counts.archived)),
                    "purged": .number(Double(counts.purged)), "deleted": .number(Double(counts.deleted)),
                    "skipped": .number(Double(counts.skipped)), "resumed": .number(Double(finished.resumed)),
                ])),
            by: actor, tenantID: tenantID, on: connection, logger: logger)
        logger.info(
            "retention run completed",
            metadata: [
                "cairn.run": "\(run.id)", "cairn.archived": "\(counts.archived)", "cairn.purged": "\(counts.purged)",
                "cairn.deleted": "\(counts.deleted)", "cairn.skipped": "\(counts.skipped)",
            ])
        return finished
    }

    static let runColumns = """
        r.id, r.trigger, r.slot, r.state, r.policy_revision, r.acting_as, r.started_by, r.started_at, r.finished_at, r.resumed,
        r.planned, r.archived, r.purged, r.deleted, r.skipped, r.error
        """

    static func runs(from rows: PostgresRowSequence) async throws -> [RetentionRun] {
        var runs: [RetentionRun] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            runs.append(
                RetentionRun(
                    id: try r.value("id"), trigger: RetentionRun.Trigger(rawValue: try r.value("trigger")) ?? .manual, slot: try r.value("slot"),
                    state: RetentionRun.State(rawValue: try r.value("state")) ?? .failed, policyRevision: try r.value("policy_revision"),
                    actingAs: try r.value("acting_as"), startedBy: try r.value("started_by"), startedAt: try r.value("started_at"),
                    finishedAt: try r.value("finished_at"), resumed: try r.value("resumed"),
                    counts: RetentionRun.Counts(
                        planned: try r.value("planned"), archived: try r.value("archived"), purged: try r.value("purged"),
                        deleted: try r.value("deleted"), skipped: try r.value("skipped")),
                    error: try r.value("error")))
        }
        return runs
    }
}
