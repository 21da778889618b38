import CairnPostgres
import CairnTestSupport
import PostgresNIO
import Testing

/// The schema's isolation guarantees, read from PostgreSQL's own catalog.
@Suite struct CatalogTests {
    @Test func everyTenantTableIsForcedUnderRowLevelSecurityWithAPolicy() async throws {
        let db = try await TestDatabase.shared()
        let rows = try await db.client.query(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies,
                   (SELECT string_agg(pg_get_expr(p.polqual, p.polrelid) || ' / ' || pg_get_expr(p.polwithcheck, p.polrelid), ';')
                    FROM pg_policy p WHERE p.polrelid = c.oid) AS expressions
            FROM pg_class c
            WHERE c.relnamespace = 'cairn'::regnamespace AND c.relkind IN ('r', 'p')
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            ORDER BY c.relname
            """, logger: db.logger)
        var tables: [String] = []
        for try await (name, enabled, forced, policies, expressions) in rows.decode((String, Bool, Bool, Int, String?).self) {
            tables.append(name)
            #expect(enabled, "\(name): row-level security not enabled")
            #expect(forced, "\(name): row-level security not forced")
            #expect(policies >= 1, "\(name): no policy")
            #expect(expressions?.contains("current_setting('app.tenant_id'::text, true)") == true, "\(name): policy \(expressions ?? "-")")
        }
        #expect(tables.contains("model_versions"))
        #expect(tables.contains("role_bindings"))
        #expect(tables.count >= 7)
    }

    @Test func tenantIDLeadsEveryTenantTablePrimaryKey() async throws {
        let db = try await TestDatabase.shared()
        let rows = try await db.client.query(
            """
            SELECT c.relname, a.attname
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'p' AND c.relnamespace = 'cairn'::regnamespace
              AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id')
            """, logger: db.logger)
        var count = 0
        for try await (table, firstColumn) in rows.decode((String, String).self) {
            count += 1
            #expect(firstColumn == "tenant_id", "\(table) primary key starts with \(firstColumn)")
        }
        #expect(count >= 7)
    }

    @Test func applicationRoleOwnsNothingAndCannotBypass() async throws {
        let db = try await TestDatabase.shared()
        let role = try await db.client.query(
            """
            SELECT current_user::text, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user
            """, logger: db.logger
        ).decode((String, Bool, Bool, Bool, Bool).self).first { _ in true }
        let (name, superuser, bypass, createRole, createDB) = try #require(role)
        #expect(name == "cairn_app")
        #expect(!superuser && !bypass && !createRole && !createDB)
        let owned = try await db.client.query(
            """
            SELECT count(*)::int FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = 'cairn_app')
            """, logger: db.logger
        ).decode(Int.self).first { _ in true }
        #expect(owned == 0)
        let ownedSchemas = try await db.client.query(
            """
            SELECT count(*)::int FROM pg_namespace WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = 'cairn_app')
            """, logger: db.logger
        ).decode(Int.self).first { _ in true }
        #expect(ownedSchemas == 0)
    }

    @Test func ownerRoleIsNotSuperuserSoForcedSecurityBindsIt() async throws {
        let db = try await TestDatabase.shared()
        let owner = try await db.client.query(
            """
            SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'cairn_owner'
            """, logger: db.logger
        ).decode((Bool, Bool).self).first { _ in true }
        let (superuser, bypass) = try #require(owner)
        #expect(!superuser && !bypass)
    }

    @Test func applicationRoleCannotTouchTheMigrationRecord() async throws {
        let db = try await TestDatabase.shared()
        await #expect(throws: PSQLError.self) {
            try await db.client.query("SELECT count(*) FROM cairn.schema_migrations", logger: db.logger)
        }
    }
}
