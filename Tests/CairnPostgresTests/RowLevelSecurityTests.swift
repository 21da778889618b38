import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

/// As cairn_app over plain SQL, with no help from the stores: the database itself keeps tenants apart.
@Suite struct RowLevelSecurityTests {
    private func seed(_ db: TestDatabase) async throws -> (a: Tenant, b: Tenant) {
        let a = try await db.makeTenant("rls-a")
        let b = try await db.makeTenant("rls-b")
        for tenant in [a, b] {
            _ = try await db.registry.createModel(
                try NewRegisteredModel(name: try ModelName("shared-name"), description: nil, owner: nil, tags: ["k": tenant.slug.value]),
                in: tenant, by: "test", logger: db.logger)
        }
        return (a, b)
    }

    @Test func withoutATenantNothingIsVisible() async throws {
        let db = try await TestDatabase.shared()
        _ = try await seed(db)
        let count = try await db.client.withConnection { connection in
            try await connection.query("SELECT count(*)::int FROM cairn.registered_models", logger: db.logger).decode(Int.self).first { _ in true }
        }
        #expect(count == 0)
        let bindings = try await db.client.query("SELECT count(*)::int FROM cairn.role_bindings", logger: db.logger).decode(Int.self).first { _ in
            true
        }
        #expect(bindings == 0)
    }

    @Test func aTenantSeesOnlyItsOwnRows() async throws {
        let db = try await TestDatabase.shared()
        let (a, b) = try await seed(db)
        let seen = try await db.database.withTenant(a.id, logger: db.logger) { connection in
            var tenants: [UUID] = []
            for try await id in try await connection.query("SELECT tenant_id FROM cairn.registered_models", logger: db.logger).decode(UUID.self) {
                tenants.append(id)
            }
            for try await id in try await connection.query("SELECT tenant_id FROM cairn.registered_model_tags", logger: db.logger).decode(UUID.self) {
                tenants.append(id)
            }
            return tenants
        }
        #expect(!seen.isEmpty)
        #expect(Set(seen) == [a.id])
        #expect(!seen.contains(b.id))
    }

    @Test func writingIntoAnotherTenantIsRefused() async throws {
        let db = try await TestDatabase.shared()
        let (a, b) = try await seed(db)
        await #expect(throws: (any Error).self) {
            try await db.database.withTenant(a.id, logger: db.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO cairn.registered_models (tenant_id, name, name_key, created_by, updated_by)
                    VALUES (\(b.id), 'smuggled', 'smuggled', 'x', 'x')
                    """, logger: db.logger)
            }
        }
        await #expect(throws: (any Error).self) {
            try await db.database.withTenant(a.id, logger: db.logger) { connection in
                try await connection.query("UPDATE cairn.registered_models SET tenant_id = \(b.id)", logger: db.logger)
            }
        }
        let updated = try await db.database.withTenant(a.id, logger: db.logger) { connection in
            try await connection.query(
                """
                UPDATE cairn.registered_models SET description = 'hijacked' WHERE tenant_id = \(b.id) RETURNING 1
                """, logger: db.logger
            ).decode(Int.self).reduce(0) { n, _ in n + 1 }
        }
        #expect(updated == 0)
        let bModel = try await db.registry.model(named: "shared-name", in: b, logger: db.logger)
        #expect(bModel.description == "")
        #expect(bModel.tags == ["k": b.slug.value])
    }

    @Test func theTenantSettingEndsWithTheTransaction() async throws {
        let db = try await TestDatabase.shared()
        let (a, _) = try await seed(db)
        let leaked = try await db.client.withConnection { connection in
            try await connection.query("BEGIN", logger: db.logger)
            try await connection.query("SELECT set_config('app.tenant_id', \(a.id.uuidString), true)", logger: db.logger)
            try await connection.query("COMMIT", logger: db.logger)
            return try await connection.query("SELECT count(*)::int FROM cairn.registered_models", logger: db.logger).decode(Int.self).first { _ in
                true
            }
        }
        #expect(leaked == 0)
    }
}
