import CairnApp
import CairnArtifacts
import CairnCore
import CairnJobs
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// Retention against the real PostgreSQL and filesystem: scripted histories, the database's own protection, runs
/// that crash midway, and several runners competing for the same tenants. Time is injected.
@Suite struct RetentionJobTests {
    let db: TestDatabase
    let store: PostgresRetentionStore
    let blobs: FileBlobStore
    let artifacts: ArtifactService

    init() async throws {
        db = try await TestDatabase.shared()
        store = PostgresRetentionStore(database: db.database)
        blobs = try FileBlobStore(root: try TestEnvironment.scratchDirectory("retention"), threads: 2)
        artifacts = ArtifactService(blobs: blobs, store: PostgresArtifactStore(database: db.database), limits: ArtifactLimits())
    }

    /// An adjustable "now" for runners and schedulers.
    final class TestTime: Sendable {
        let value: Mutex<Date>
        init(_ start: Date = Date()) { value = Mutex(start) }
        var now: Date { value.withLock { $0 } }
        func advance(_ seconds: Double) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    func runner(owner: String = "test-\(UUID().uuidString.prefix(6))", batchSize: Int = 500, lease: Duration = .seconds(60), time: TestTime)
        -> RetentionRunner
    {
        RetentionRunner(
            store: store, artifacts: artifacts, settings: .init(batchSize: batchSize, lease: lease), owner: owner, now: { time.now })
    }

    /// Model `name` with READY versions 1…n whose stage and time in it are scripted (days before the database's now).
    /// Versions in `pending` stay in PENDING_REGISTRATION (to take files).
    func history(_ tenant: Tenant, model name: String, _ versions: [(Stage, Double)], pending: Set<Int> = [], tags: [String: String]? = nil)
        async throws
    {
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName(name), description: nil, owner: nil, tags: tags), in: tenant, by: "test", logger: db.logger)
        for number in 1...versions.count {
            _ = try await db.registry.createVersion(
                of: name,
                try NewModelVersion(
                    status: pending.contains(number) ? .pendingRegistration : .ready, description: nil, source: nil, runID: nil, runLink: nil,
                    lineage: nil, hyperparameters: nil, metrics: nil,
                    environment: nil, tags: nil),
                in: tenant, by: "test", logger: db.logger)
        }
        for (index, (stage, days)) in versions.enumerated() {
            try await sql(
                tenant, name, index + 1,
                "UPDATE cairn.model_versions v SET stage = '\(stage.rawValue)', stage_changed_at = now() - interval '\(days) days' WHERE %V")
        }
    }

    /// Runs `statement` as the superuser with `%V` replaced by a condition selecting version `version` of `model`
    /// (as `v`) and `%M` by the model id.
    func sql(_ tenant: Tenant, _ model: String, _ version: Int, _ statement: String) async throws {
        let modelID = "(SELECT id FROM cairn.registered_models WHERE tenant_id = '\(tenant.id)' AND name = '\(model)')"
        try await db.asSuperuser(
            statement.replacingOccurrences(of: "%V", with: "v.tenant_id = '\(tenant.id)' AND v.model_id = \(modelID) AND v.version = \(version)")
                .replacingOccurrences(of: "%M", with: modelID).replacingOccurrences(of: "%T", with: "'\(tenant.id)'"))
    }

    func auditActions(_ tenant: Tenant, prefix: String) async throws -> [String] {
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            var found: [String] = []
            let rows = try await connection.query(
                "SELECT action || ' ' || object_id || ' ' || actor FROM cairn.audit_log WHERE action LIKE \(prefix + "%") ORDER BY seq",
                logger: db.logger)
            for try await line in rows.decode(String.self) { found.append(line) }
            return found
        }
    }

    @Test func eachRuleOnAScriptedHistoryDoesWhatThePreviewSaidAndLeavesTombstones() async throws {
        let tenant = try await db.makeTenant("retention")
        try await history(
            tenant, model: "fraud",
            [
                (.none, 100), (.none, 10), (.none, 400), (.archived, 400), (.archived, 3000), (.none, 500), (.staging, 200), (.production, 300),
                (.none, 500),
            ], pending: [3])
        // v3 gets a file and is archived 400 days ago; v4 is held; v5 is a tombstone purged three years ago; v6 served until 5 days ago.
        try await artifacts.put(Array("weights".utf8), at: "model.onnx", version: 3, in: tenant, logger: db.logger, model: "fraud")
        _ = try await artifacts.finalize(version: 3, of: "fraud", in: tenant, by: "test", logger: db.logger)
        try await sql(
            tenant, "fraud", 3, "UPDATE cairn.model_versions v SET stage = 'Archived', stage_changed_at = now() - interval '400 days' WHERE %V")
        try await sql(tenant, "fraud", 4, "UPDATE cairn.model_versions v SET legal_hold = true, legal_hold_reason = 'litigation' WHERE %V")
        try await sql(
            tenant, "fraud", 5,
            "UPDATE cairn.model_versions v SET purged_at = now() - interval '3 years', purged_by = 'someone' WHERE %V")
        try await sql(
            tenant, "fraud", 6,
            """
            INSERT INTO cairn.deployments (tenant_id, model_id, version, environment, target, serving, deployed_by)
            VALUES (%T, %M, 6, 'prod', 'eu', tstzrange(now() - interval '50 days', now() - interval '5 days'), 'ops')
            """)
        // Second model: keep the newest two, scoped by name pattern; a third model outside the pattern is untouched.
        try await history(tenant, model: "churn-eu", (1...5).map { _ in (.none, 1) })
        try await history(tenant, model: "ranker", (1...5).map { _ in (.none, 1) })
        try await sql(
            tenant, "churn-eu", 1,
            "INSERT INTO cairn.model_aliases (tenant_id, model_id, alias, version, updated_by) VALUES (%T, %M, 'champion', 1, 't')")
        _ = try await store.setPolicy(
            try RetentionPolicy(rules: [
                try RetentionRule(name: "churn", models: "churn-*", keepLast: 2),
                try RetentionRule(name: "hygiene", models: "fraud", archiveAfterDays: 30, purgeAfterDays: 365, deleteTombstonesAfterYears: 2),
            ]), in: tenant, by: Actor(username: "alice"), logger: db.logger)
        let digest = try #require(
            try await PostgresArtifactStore(database: db.database).files(version: 3, of: "fraud", in: tenant, logger: db.logger).files.first?.digest)
        let blobFile = "\(blobs.root)/\(tenant.id.uuidString.lowercased())/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)"
        #expect(FileManager.default.fileExists(atPath: blobFile))

        let time = TestTime()
        let preview = try await store.preview(nil, now: time.now, in: tenant, logger: db.logger)
        #expect(
            preview.plan.actions.map { "\($0.model)/\($0.version) \($0.kind.rawValue) \($0.rule)" } == [
                "churn-eu/2 archive churn", "churn-eu/3 archive churn", "fraud/1 archive hygiene", "fraud/3 purge hygiene",
                "fraud/5 delete_tombstone hygiene",
            ])
        #expect(
            preview.plan.held.map { "\($0.model)/\($0.version) \($0.protection)" } == [
                "churn-eu/1 alias 'champion' points at it", "fraud/4 under legal hold", "fraud/6 deployed within the last 30 days",
                "fraud/7 in Staging", "fraud/9 the latest version of its model",
            ])

        let run = try #require(try await runner(time: time).run(.manual(by: Actor(username: "bob")), tenant: tenant, logger: db.logger))
        #expect(run.state == .completed)
        #expect(run.counts == RetentionRun.Counts(planned: 5, archived: 3, purged: 1, deleted: 1, skipped: 0))
        let recorded = try await store.run(run.id, actionsAfter: 0, limit: 100, in: tenant, logger: db.logger)
        #expect(recorded.actions.map(\.action) == preview.plan.actions, "the dry run planned exactly what the run did")
        #expect(recorded.actions.allSatisfy { $0.state == .done })

        // The stages, the tombstone, the content.
        let fraud3 = try await db.registry.version(3, of: "fraud", in: tenant, logger: db.logger)
        #expect(fraud3.stage == .archived && fraud3.purgedAt != nil && fraud3.purgedBy == "bob")
        #expect(try await db.registry.version(1, of: "fraud", in: tenant, logger: db.logger).stage == .archived)
        #expect(try await db.registry.version(7, of: "fraud", in: tenant, logger: db.logger).stage == .staging)
        #expect(try await db.registry.version(1, of: "churn-eu", in: tenant, logger: db.logger).stage == .none)
        #expect(try await db.registry.version(1, of: "ranker", in: tenant, logger: db.logger).stage == .none)
        await #expect(throws: CairnError.self) { try await db.registry.version(5, of: "fraud", in: tenant, logger: db.logger) }
        #expect(!FileManager.default.fileExists(atPath: blobFile), "the purged version's only blob was collected")
        let files = try await PostgresArtifactStore(database: db.database).files(version: 3, of: "fraud", in: tenant, logger: db.logger)
        #expect(files.files.map(\.path.value) == ["model.onnx"], "the tombstone keeps its file list")
        do {
            _ = try await PostgresArtifactStore(database: db.database).file(
                try ArtifactPath(decoded: "model.onnx"), version: 3, of: "fraud", in: tenant, logger: db.logger)
            Issue.record("a purged file was served")
        } catch let error as CairnError {
            #expect(error.code == .gone)
        }

        // Each action is audited as the person who ran it, and published.
        #expect(
            try await auditActions(tenant, prefix: "model_version.").filter { !$0.contains(".created") && !$0.contains(".finalized") } == [
                "model_version.archived churn-eu/2 bob", "model_version.archived churn-eu/3 bob", "model_version.archived fraud/1 bob",
                "model_version.purged fraud/3 bob", "model_version.deleted fraud/5 bob",
            ])
        #expect(
            try await auditActions(tenant, prefix: "retention_").map { $0.components(separatedBy: " ")[0] } == [
                "retention_policy.updated", "retention_run.completed",
            ])
        let events = try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query(
                "SELECT count(*)::int FROM cairn.events WHERE type IN ('model_version.archived', 'model_version.purged', 'model_version.deleted')",
                logger: db.logger
            ).decode(Int.self).first { _ in true }
        }
        #expect(events == 5)

        // Nothing is left to do: a second run plans nothing.
        let again = try #require(try await runner(time: time).run(.manual(by: Actor(username: "bob")), tenant: tenant, logger: db.logger))
        #expect(again.counts.planned == 0 && again.state == .completed)
    }

    @Test func theDatabaseRefusesRetentionOfProtectedVersionsEvenWhenTheSwiftChecksAreBypassed() async throws {
        let tenant = try await db.makeTenant("protect")
        try await history(tenant, model: "m", [(.production, 10), (.archived, 10), (.archived, 10), (.archived, 10), (.none, 10), (.none, 1)])
        try await sql(
            tenant, "m", 3, "INSERT INTO cairn.model_aliases (tenant_id, model_id, alias, version, updated_by) VALUES (%T, %M, 'keep', 3, 't')")
        try await sql(tenant, "m", 4, "UPDATE cairn.model_versions v SET legal_hold = true, legal_hold_reason = 'audit' WHERE %V")

        /// A raw statement as the application role, as a retention run (or not).
        func raw(_ statement: String, asRetention: Bool = true) async throws {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                if asRetention { try await connection.query("SELECT set_config('app.retention_run', 'x', true)", logger: db.logger) }
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: db.logger)
            }
        }
        func refusal(_ statement: String, asRetention: Bool = true) async -> String? {
            do {
                try await raw(statement, asRetention: asRetention)
                return nil
            } catch let error as CairnError {
                return error.message
            } catch {
                return "\(error)"
            }
        }
        let purge = "UPDATE cairn.model_versions SET purged_at = now(), purged_by = 'mallory' WHERE version = "
        #expect(await refusal(purge + "1", asRetention: false)?.contains("protected from retention: in Production") == true)
        #expect(await refusal(purge + "3", asRetention: false)?.contains("alias 'keep' points at it") == true)
        #expect(await refusal(purge + "4", asRetention: false)?.contains("under legal hold") == true)
        #expect(await refusal(purge + "5", asRetention: false)?.contains("not archived") == true)
        let archive = "UPDATE cairn.model_versions SET stage = 'Archived' WHERE version = "
        #expect(await refusal(archive + "6")?.contains("the latest version of its model") == true)
        #expect(await refusal(archive + "1")?.contains("in Production") == true)
        #expect(await refusal("DELETE FROM cairn.model_versions WHERE version = 2")?.contains("not a tombstone") == true)
        // Outside retention, an approver's archive of Production is an ordinary lifecycle move.
        #expect(await refusal(archive + "1", asRetention: false) == nil)
        // An unprotected archived version purges; a purge is final.
        #expect(await refusal(purge + "2", asRetention: false) == nil)
        #expect(await refusal("UPDATE cairn.model_versions SET purged_at = NULL, purged_by = NULL WHERE version = 2") != nil)
        #expect(
            await refusal("UPDATE cairn.model_versions SET stage = 'None' WHERE version = 2", asRetention: false)?.contains("stays archived") == true)
        #expect(await refusal("DELETE FROM cairn.model_versions WHERE version = 2") == nil, "a tombstone may be deleted by retention")
    }

    @Test func aRunKilledMidwayCompletesOnTheNextTickWithEveryActionDoneOnce() async throws {
        let tenant = try await db.makeTenant("crash")
        try await history(tenant, model: "m", (1...60).map { _ in (.none, 100) })
        _ = try await store.setPolicy(
            try RetentionPolicy(rules: [try RetentionRule(name: "stale", archiveAfterDays: 30)]), in: tenant, by: Actor(username: "alice"),
            logger: db.logger)
        let time = TestTime()
        struct Killed: Error {}
        let batches = Mutex(0)
        let first = runner(owner: "replica-a", batchSize: 10, lease: .seconds(60), time: time)
        await #expect(throws: Killed.self) {
            _ = try await first.run(.schedule(interval: .seconds(3600)), tenant: tenant, logger: db.logger) { _ in
                if batches.withLock({
                    $0 += 1; return $0
                }) == 2 {
                    throw Killed()
                }
            }
        }
        let interrupted = try #require(try await store.runs(in: tenant, before: nil, limit: 10, logger: db.logger).runs.first)
        #expect(interrupted.state == .running && interrupted.counts.archived == 20 && interrupted.counts.planned == 59)

        let scheduler = RetentionScheduler(
            store: store, runner: runner(owner: "replica-b", batchSize: 10, time: time), interval: .seconds(3600), tenants: [tenant.slug],
            clock: ContinuousClock(),
            logger: db.logger)
        #expect(await scheduler.runOnce().filter { $0.id == interrupted.id }.isEmpty, "the lease is still live")
        time.advance(61)
        let resumed = try #require(await scheduler.runOnce().first { $0.id == interrupted.id })
        #expect(resumed.state == .completed && resumed.resumed == 1)
        #expect(resumed.counts == RetentionRun.Counts(planned: 59, archived: 59))
        let archived = try await auditActions(tenant, prefix: "model_version.archived")
        #expect(archived.count == 59 && Set(archived).count == 59, "each version archived exactly once")
        #expect(archived.allSatisfy { $0.hasSuffix(" alice") }, "the scheduled run acts as the policy's author")
        #expect(try await db.registry.version(60, of: "m", in: tenant, logger: db.logger).stage == .none)
        let all = try await store.runs(in: tenant, before: nil, limit: 10, logger: db.logger).runs
        #expect(all.count == 1, "the resumed run was not run again as a new one: \(all.map(\.id))")
    }

    @Test func competingRunnersRunEachTenantOncePerSlot() async throws {
        var tenants: [Tenant] = []
        for index in 0..<3 {
            let tenant = try await db.makeTenant("slots\(index)")
            try await history(tenant, model: "m", (1...30).map { _ in (.none, 100) })
            _ = try await store.setPolicy(
                try RetentionPolicy(rules: [try RetentionRule(name: "keep", keepLast: 5)]), in: tenant, by: Actor(username: "alice"),
                logger: db.logger)
            tenants.append(tenant)
        }
        let time = TestTime()
        let schedulers = (0..<3).map { replica in
            RetentionScheduler(
                store: store, runner: runner(owner: "replica-\(replica)", batchSize: 4, time: time), interval: .seconds(600),
                tenants: tenants.map(\.slug), clock: ContinuousClock(), logger: db.logger)
        }
        for _ in 0..<4 {
            await withTaskGroup(of: Void.self) { group in
                for scheduler in schedulers { group.addTask { await scheduler.runOnce() } }
            }
            time.advance(300)  // two ticks per slot
        }
        for tenant in tenants {
            let runs = try await store.runs(in: tenant, before: nil, limit: 50, logger: db.logger).runs
            #expect(runs.count == 2, "slots at 0 s and 600 s; ticks at 0, 300, 600, 900 s")
            let slots = runs.compactMap(\.slot).sorted()
            #expect(slots.count == 2 && abs(slots[1].timeIntervalSince(slots[0]) - 600) < 0.01)
            #expect(runs.allSatisfy { $0.state == .completed })
            let archived = try await auditActions(tenant, prefix: "model_version.archived")
            #expect(archived.count == 25 && Set(archived).count == 25)
        }
    }
}
