public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

public struct PostgresTenantStore: TenantStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "t.id, t.slug, t.display_name, t.settings::text AS settings, t.created_at, t.created_by"

    /// The tenant and its first bindings in one transaction: a tenant never exists without the bindings it was given.
    public func createTenant(_ tenant: NewTenant, bindings: [RoleBinding], by actor: Actor, logger: Logger) async throws -> Tenant {
        let settings = try JSONText.encode(tenant.settings)
        return try await database.withoutTenant(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.tenants AS t (slug, display_name, settings, created_by)
                VALUES (\(tenant.slug.value), \(tenant.displayName), \(settings)::jsonb, \(actor.username))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let created = try await Self.tenants(from: rows).first else { throw CairnError(.internalError, "Tenant was not created.") }
            try await connection.query("SELECT set_config('app.tenant_id', \(created.id.uuidString), true)", logger: logger)
            try await Self.writeBindings(bindings, tenantID: created.id, by: actor, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "tenant.created", objectType: "tenant", objectID: created.slug.value,
                    after: .object(["tenant": created.auditJSON, "role_bindings": bindings.auditJSON])),
                by: actor, tenantID: created.id, on: connection, logger: logger)
            return created
        }
    }

    public func tenant(slug: TenantSlug, logger: Logger) async throws -> Tenant? {
        try await database.withoutTenant(logger: logger) { connection in
            try await Self.tenants(
                from: connection.query(
                    "SELECT \(unescaped: Self.columns) FROM cairn.tenants t WHERE t.slug = \(slug.value) AND t.retired_at IS NULL",
                    logger: logger)
            ).first
        }
    }

    public func allTenants(logger: Logger) async throws -> [Tenant] {
        try await database.withoutTenant(logger: logger) { connection in
            try await Self.tenants(
                from: connection.query(
                    "SELECT \(unescaped: Self.columns) FROM cairn.tenants t WHERE t.retired_at IS NULL ORDER BY t.slug", logger: logger))
        }
    }

    public func updateSettings(merging changes: JSONObject, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await Self.tenants(
                from: connection.query("SELECT \(unescaped: Self.columns) FROM cairn.tenants t WHERE t.id = \(tenantID) FOR UPDATE", logger: logger)
            ).first
            guard let before else { throw CairnError.notFound("Tenant not found.") }
            let text = try JSONText.encode(try TenantSettings.validated(changes, merging: before.settings))
            let rows = try await connection.query(
                "UPDATE cairn.tenants AS t SET settings = \(text)::jsonb WHERE t.id = \(tenantID) RETURNING \(unescaped: Self.columns)",
                logger: logger)
            guard let updated = try await Self.tenants(from: rows).first else { throw CairnError.notFound("Tenant not found.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "tenant.settings_updated", objectType: "tenant", objectID: updated.slug.value, before: .object(before.settings),
                    after: .object(updated.settings)),
                by: actor, tenantID: tenantID, on: connection, logger: logger)
            return updated
        }
    }

    public func updateDisplayName(_ name: String, tenantID: UUID, by actor: Actor, logger: Logger) async throws -> Tenant {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await Self.lockedLive(tenantID, on: connection, logger: logger)
            let rows = try await connection.query(
                "UPDATE cairn.tenants AS t SET display_name = \(name) WHERE t.id = \(tenantID) RETURNING \(unescaped: Self.columns)",
                logger: logger)
            guard let updated = try await Self.tenants(from: rows).first else { throw CairnError.notFound("Tenant not found.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "tenant.updated", objectType: "tenant", objectID: updated.slug.value, before: before.auditJSON,
                    after: updated.auditJSON),
                by: actor, tenantID: tenantID, on: connection, logger: logger)
            return updated
        }
    }

    public func retireTenant(tenantID: UUID, by actor: Actor, logger: Logger) async throws {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await Self.lockedLive(tenantID, on: connection, logger: logger)
            // Inserts of models, tokens, bindings and webhooks read the tenant row with a key-share lock first (sql/0018),
            // so they wait for this transaction and then see the tenant retired: none slips in after this count.
            let models = try await connection.query("SELECT count(*) FROM cairn.registered_models", logger: logger).decode(Int.self)
            var count = 0
            for try await value in models { count = value }
            guard count == 0 else {
                throw CairnError(
                    .invalidState,
                    "Tenant '\(before.slug)' still holds \(count) registered model\(count == 1 ? "" : "s"); delete them first. "
                        + "Cairn never deletes a tenant's registry with it.")
            }
            let bindings = try await Self.bindings(on: connection, logger: logger)
            try await connection.query("DELETE FROM cairn.role_bindings", logger: logger)
            try await connection.query(
                "UPDATE cairn.api_tokens SET revoked_at = now(), revoked_by = \(actor.username) WHERE revoked_at IS NULL", logger: logger)
            try await connection.query("UPDATE cairn.webhooks SET active = false, updated_at = now(), updated_by = \(actor.username)", logger: logger)
            // What was still queued would wait forever on switched-off webhooks (and age the queue's oldest-due gauge).
            try await connection.query(
                "UPDATE cairn.webhook_deliveries SET state = 'dead', last_error = 'The tenant was retired.' WHERE state = 'pending'", logger: logger)
            try await connection.query(
                "UPDATE cairn.tenants SET retired_at = now(), retired_by = \(actor.username) WHERE id = \(tenantID)", logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "tenant.retired", objectType: "tenant", objectID: before.slug.value,
                    before: .object(["tenant": before.auditJSON, "role_bindings": bindings.auditJSON])),
                by: actor, tenantID: tenantID, on: connection, logger: logger)
        }
    }

    /// The tenant's row, locked, unless it is retired.
    private static func lockedLive(_ tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Tenant {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM cairn.tenants t WHERE t.id = \(tenantID) AND t.retired_at IS NULL FOR UPDATE", logger: logger)
        guard let tenant = try await tenants(from: rows).first else { throw CairnError.notFound("Tenant not found.") }
        return tenant
    }

    public func tenantRoles(groups: Set<DistinguishedName>, logger: Logger) async throws -> [(tenant: Tenant, role: Role)] {
        let groupList = groups.map(\.normalized)
        return try await database.withoutTenant(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns), r.role
                FROM cairn.tenant_roles_for_groups(\(groupList)) r JOIN cairn.tenants t ON t.id = r.tenant_id
                ORDER BY t.slug
                """, logger: logger)
            var result: [(tenant: Tenant, role: Role)] = []
            for try await row in rows {
                let access = row.makeRandomAccess()
                result.append((try Self.tenant(from: access), try Role(validating: try access.value("role"))))
            }
            return result
        }
    }

    /// The highest role the caller's groups are bound to, looked up by those groups (the bindings' primary key).
    public func role(groups: Set<DistinguishedName>, tenantID: UUID, logger: Logger) async throws -> Role? {
        let groupList = groups.map(\.normalized)
        guard !groupList.isEmpty else { return nil }
        return try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT role FROM cairn.role_bindings WHERE group_dn = ANY(\(groupList))
                ORDER BY array_position(ARRAY['reader', 'contributor', 'approver', 'admin'], role) DESC LIMIT 1
                """, logger: logger)
            for try await role in rows.decode(String.self) { return try Role(validating: role) }
            return nil
        }
    }

    public func roleBindings(tenantID: UUID, logger: Logger) async throws -> [RoleBinding] {
        try await database.withTenant(tenantID, logger: logger) { connection in try await Self.bindings(on: connection, logger: logger) }
    }

    private static func bindings(on connection: PostgresConnection, logger: Logger) async throws -> [RoleBinding] {
        var bindings: [RoleBinding] = []
        for try await (group, role) in try await connection.query(
            "SELECT group_dn, role FROM cairn.role_bindings ORDER BY group_dn", logger: logger
        ).decode((String, String).self) {
            bindings.append(RoleBinding(group: DistinguishedName(group), role: try Role(validating: role)))
        }
        return bindings
    }

    public func replaceRoleBindings(_ bindings: [RoleBinding], tenantID: UUID, by actor: Actor, logger: Logger) async throws -> [RoleBinding] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let before = try await Self.bindings(on: connection, logger: logger)
            try await Self.writeBindings(bindings, tenantID: tenantID, by: actor, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "role_bindings.replaced", objectType: "role_bindings", objectID: tenantID.uuidString.lowercased(),
                    before: before.auditJSON, after: bindings.auditJSON),
                by: actor, tenantID: tenantID, on: connection, logger: logger)
        }
        return try await roleBindings(tenantID: tenantID, logger: logger)
    }

    /// Makes the tenant's bindings exactly `bindings`; the tenant must already be set on the transaction.
    private static func writeBindings(_ bindings: [RoleBinding], tenantID: UUID, by actor: Actor, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let groups = bindings.map(\.group.normalized)
        let roles = bindings.map(\.role.rawValue)
        try await connection.query("DELETE FROM cairn.role_bindings WHERE NOT (group_dn = ANY(\(groups)))", logger: logger)
        try await connection.query(
            """
            INSERT INTO cairn.role_bindings (tenant_id, group_dn, role, created_by)
            SELECT \(tenantID), g, r, \(actor.username) FROM unnest(\(groups)::text[], \(roles)::text[]) AS b(g, r)
            ON CONFLICT (tenant_id, group_dn) DO UPDATE SET role = EXCLUDED.role
                WHERE cairn.role_bindings.role IS DISTINCT FROM EXCLUDED.role
            """, logger: logger)
    }

    static func tenants(from rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await row in rows { tenants.append(try tenant(from: row.makeRandomAccess())) }
        return tenants
    }

    private static func tenant(from row: PostgresRandomAccessRow) throws -> Tenant {
        Tenant(
            id: try row.value("id"), slug: try TenantSlug(try row.value("slug")), displayName: try row.value("display_name"),
            settings: try row.json("settings"), createdAt: try row.value("created_at"), createdBy: try row.value("created_by"))
    }
}
