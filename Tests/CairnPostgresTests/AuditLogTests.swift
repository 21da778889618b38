import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@Suite struct AuditLogTests {
    private func entries(_ db: TestDatabase, _ tenant: Tenant) async throws -> [AuditEntry] {
        try await PostgresAuditStore(database: db.database).entries(AuditQuery(maxResults: 1000), in: tenant, logger: db.logger)
    }

    private func version() throws -> NewModelVersion {
        try NewModelVersion(
            status: .pendingRegistration, description: nil, source: nil, runID: nil, runLink: nil, lineage: nil, hyperparameters: nil,
            metrics: nil, environment: nil, tags: nil)
    }

    /// Each kind of change appends exactly one entry, with the actor, the request and before/after.
    @Test func everyMutationAppendsExactlyOneEntry() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("audit")
        var count = try await entries(db, tenant).count
        #expect(count == 1, "tenant creation")
        let actor = Actor(username: "alice", requestID: "req-1")

        func expectOneMore(_ action: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let all = try await entries(db, tenant)
            #expect(all.count == count + 1, "\(action): \(all.count - count) entries", sourceLocation: sourceLocation)
            #expect(all.first?.action == action, sourceLocation: sourceLocation)
            count = all.count
        }

        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName("m"), description: nil, owner: nil, tags: nil), in: tenant, by: actor, logger: db.logger)
        try await expectOneMore("registered_model.created")
        _ = try await db.registry.updateModel(
            named: "m", try RegisteredModelChanges(name: nil, description: "d", owner: nil, tags: ["k": "v"]), in: tenant, by: actor,
            logger: db.logger)
        try await expectOneMore("registered_model.updated")
        _ = try await db.registry.createVersion(of: "m", try version(), in: tenant, by: actor, logger: db.logger)
        try await expectOneMore("model_version.created")
        _ = try await db.registry.updateVersion(
            1, of: "m", try ModelVersionChanges(description: nil, status: .ready, statusMessage: nil, tags: nil, metrics: nil), in: tenant, by: actor,
            logger: db.logger)
        try await expectOneMore("model_version.updated")
        _ = try await db.tenants.replaceRoleBindings(
            [RoleBinding(group: DirectoryFixture.admins, role: .admin)], tenantID: tenant.id, by: actor, logger: db.logger)
        try await expectOneMore("role_bindings.replaced")
        let token = try await db.tokens.createToken(
            try NewAPIToken(name: "t", role: .reader, expiresAt: nil, creatorRole: .admin, now: Date(), maxLifetime: .seconds(3600)),
            minted: MintedToken(tenant: tenant.slug), by: actor, in: tenant, logger: db.logger)
        try await expectOneMore("api_token.created")
        _ = try await db.tokens.revokeToken(id: token.id, ownedBy: nil, by: actor, in: tenant, logger: db.logger)
        try await expectOneMore("api_token.revoked")
        _ = try await db.tokens.revokeToken(id: token.id, ownedBy: nil, by: actor, in: tenant, logger: db.logger)
        #expect(try await entries(db, tenant).count == count, "revoking twice changes nothing and records nothing")
        try await db.registry.deleteVersion(1, of: "m", in: tenant, by: actor, logger: db.logger)
        try await expectOneMore("model_version.deleted")
        try await db.registry.deleteModel(named: "m", in: tenant, by: actor, logger: db.logger)
        try await expectOneMore("registered_model.deleted")

        // A refused change records nothing.
        await #expect(throws: CairnError.self) {
            try await db.registry.createVersion(of: "m", try version(), in: tenant, by: actor, logger: db.logger)
        }
        #expect(try await entries(db, tenant).count == count)

        let all = try await entries(db, tenant)
        let update = try #require(all.first { $0.action == "registered_model.updated" })
        #expect(update.actor == "alice")
        #expect(update.requestID == "req-1")
        #expect(update.before?.contains(#""description": """#) == true)
        #expect(update.after?.contains(#""description": "d""#) == true)
        let tokenSnapshot = all.first { $0.action == "api_token.created" }?.after ?? ""
        #expect(tokenSnapshot.contains("secret") == false)
        #expect(tokenSnapshot.contains("prefix"))
        #expect(
            try await PostgresAuditStore(database: db.database).verify(tenant: tenant, logger: db.logger)
                == .intact(entries: Int64(count), head: all[0].hash))
    }

    @Test func concurrentChangesStillFormOneUnbrokenChain() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("audit-race")
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName("m"), description: nil, owner: nil, tags: nil), in: tenant, by: "t", logger: db.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try await db.registry.createVersion(of: "m", try self.version(), in: tenant, by: "t", logger: db.logger) }
            }
            try await group.waitForAll()
        }
        let finding = try await PostgresAuditStore(database: db.database).verify(tenant: tenant, logger: db.logger)
        guard case .intact(let count, _) = finding else {
            Issue.record("\(finding)")
            return
        }
        #expect(count == 22)
    }

    @Test func theApplicationRoleCanOnlyAppend() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("audit-append")
        let audit = PostgresAuditStore(database: db.database)
        let before = try await audit.verify(tenant: tenant, logger: db.logger)
        guard case .intact(let entries, _) = before, entries > 0 else {
            Issue.record("the new tenant's chain should hold its creation: \(before)")
            return
        }
        for statement in [
            "UPDATE cairn.audit_log SET actor = 'mallory'", "DELETE FROM cairn.audit_log",
            "UPDATE cairn.audit_heads SET seq = 0", "DELETE FROM cairn.audit_heads", "TRUNCATE cairn.audit_log",
        ] {
            do {
                try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: db.logger)
                }
                Issue.record("the application role could run: \(statement)")
            } catch let error as CairnError {
                #expect(error.code == .internalError, "\(statement): \(error)")
            }
        }
        #expect(try await audit.verify(tenant: tenant, logger: db.logger) == before, "the chain is intact and unchanged")
    }

    /// Someone with the owner's database access edits, then deletes, history: verification names the entry.
    @Test func tamperingByTheOwnerIsDetected() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("audit-tamper")
        for i in 0..<4 {
            _ = try await db.registry.createModel(
                try NewRegisteredModel(name: try ModelName("m\(i)"), description: nil, owner: nil, tags: nil), in: tenant, by: "t", logger: db.logger)
        }
        let store = PostgresAuditStore(database: db.database)
        guard case .intact(5, _) = try await store.verify(tenant: tenant, logger: db.logger) else {
            Issue.record("chain not intact before tampering")
            return
        }
        let logger = Logger(label: "cairn.test.tamper")
        let owner = try await PostgresConnection.connect(
            configuration: try TestEnvironment.migrationURL().connectionConfiguration(), id: 5, logger: logger)
        func asOwner(_ sql: String) async throws {
            try await owner.query("BEGIN", logger: logger)
            try await owner.query("SELECT set_config('app.tenant_id', \(tenant.id.uuidString), true)", logger: logger)
            try await owner.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await owner.query("COMMIT", logger: logger)
        }
        try await asOwner("UPDATE cairn.audit_log SET actor = 'someone-else' WHERE seq = 3")
        #expect(
            try await store.verify(tenant: tenant, logger: db.logger)
                == .broken(seq: 3, reason: "content does not match its hash (the entry was altered)"))

        try await asOwner(
            """
            UPDATE cairn.audit_log SET hash = cairn.audit_hash(prev_hash, seq, at, actor, action, object_type, object_id, before, after, request_id) WHERE seq = 3
            """)
        guard case .broken(4, _) = try await store.verify(tenant: tenant, logger: db.logger) else {
            Issue.record("re-hashing entry 3 went unnoticed")
            return
        }
        try await asOwner("DELETE FROM cairn.audit_log WHERE seq = 2")
        guard case .broken(2, let reason) = try await store.verify(tenant: tenant, logger: db.logger) else {
            Issue.record("deleting entry 2 went unnoticed")
            return
        }
        #expect(reason.contains("removed"))
        try await owner.close()
    }
}
