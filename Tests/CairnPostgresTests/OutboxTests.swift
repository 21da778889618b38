import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

/// The outbox (sql/0009_events.sql) and the relay that follows it, against the real PostgreSQL.
@Suite struct OutboxTests {
    let db: TestDatabase
    let events: PostgresEventStore

    init() async throws {
        db = try await TestDatabase.shared()
        events = PostgresEventStore(database: db.database)
    }

    /// An audited change written the way the stores write them (the trigger turns it into an event).
    static func auditedChange(_ action: String, model: String, version: Int, tenantID: UUID, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let after = #"{"model":"\#(model)","version":\#(version),"stage":"Staging"}"#
        try await connection.query(
            """
            INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, after, prev_hash, hash, seq)
            VALUES (\(tenantID), now(), 'test', \(action), 'model_version', \(model + "/\(version)"), \(after)::jsonb, '', '', 0)
            """, logger: logger)
    }

    @Test func aRolledBackChangeLeavesNothingAndTwoChangesInOneTransactionLeaveTwo() async throws {
        let tenant = try await db.makeModel("outbox", versions: 1)
        let before = try await events.latestEventID(tenantID: tenant.id, logger: db.logger)
        #expect(before > 0, "registering the model and version published events")

        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await Self.auditedChange(
                    "model_version.stage_changed", model: "m", version: 1, tenantID: tenant.id, on: connection, logger: db.logger)
                throw Abort()
            }
        }
        #expect(try await events.events(after: before, tenantID: tenant.id, limit: 10, logger: db.logger).isEmpty)

        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await Self.auditedChange(
                "model_version.stage_changed", model: "m", version: 1, tenantID: tenant.id, on: connection, logger: db.logger)
            try await Self.auditedChange("model_version_alias.set", model: "m", version: 1, tenantID: tenant.id, on: connection, logger: db.logger)
        }
        let two = try await events.events(after: before, tenantID: tenant.id, limit: 10, logger: db.logger)
        #expect(two.map(\.type) == ["model_version.stage_changed", "model_version_alias.set"])
        #expect(two.allSatisfy { $0.model == "m" && $0.version == 1 })
        #expect(two[0].id < two[1].id)
    }

    @Test func realChangesArePublishedAndPrivateOnesAreNot() async throws {
        let tenant = try await db.makeModel("published", versions: 1)
        let all = try await events.events(after: 0, tenantID: tenant.id, limit: 10, logger: db.logger)
        // Creating the tenant (and its bindings) stays in the audit log only.
        #expect(all.map(\.type) == ["registered_model.created", "model_version.created"])
        #expect(all.map(\.model) == ["m", "m"])
        #expect(all.map(\.version) == [nil, 1])
        #expect(all.allSatisfy { $0.actor == "test" })
        #expect(all[1].payload["after"]?["status"] == .string("PENDING_REGISTRATION"))
    }

    @Test func theApplicationCannotWriteEventsDirectly() async throws {
        let tenant = try await db.makeTenant("forge")
        await #expect(throws: (any Error).self) {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO cairn.events (tenant_id, id, at, type, object_type, object_id, payload, actor, audit_seq)
                    VALUES (\(tenant.id), 1, now(), 'model_version.stage_changed', 'x', 'x', '{}', 'forger', 1)
                    """, logger: db.logger)
            }
        }
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}
