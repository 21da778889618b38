public import CairnCore
import Foundation
public import Logging
import PostgresNIO

public struct PostgresAliasStore: AliasStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func setAlias(_ alias: AliasName, to version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> ModelVersion
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let target = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            guard target.stage != .archived else {
                throw CairnError(.invalidState, "Version \(version) of '\(model.name)' is Archived; an alias must name a live version.")
            }
            let previous = model.aliases[alias.value]
            try await connection.query(
                """
                INSERT INTO cairn.model_aliases (tenant_id, model_id, alias, version, updated_by)
                VALUES (\(tenant.id), \(model.id), \(alias.value), \(version), \(actor.username))
                ON CONFLICT (tenant_id, model_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by
                """, logger: logger)
            let updated = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version_alias.set", objectType: "model_alias", objectID: "\(model.name)@\(alias.value)",
                    before: previous.map { .object(["version": .number(Double($0))]) }, after: .object(["version": .number(Double(version))])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return updated
        }
    }

    public func deleteAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let removed = try await connection.query(
                "DELETE FROM cairn.model_aliases WHERE model_id = \(model.id) AND alias = \(alias.value) RETURNING version", logger: logger
            ).decode(Int.self).first { _ in true }
            guard let removed else { throw CairnError.notFound("Model '\(model.name)' has no alias '\(alias)'.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "model_version_alias.deleted", objectType: "model_alias", objectID: "\(model.name)@\(alias.value)",
                    before: .object(["version": .number(Double(removed))])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
        }
    }

    /// One round trip (`cairn.tenant_alias_version`); only when nothing is found is the model looked up, to say which
    /// of the two is missing.
    public func resolveAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelVersion {
        let found = try await database.scopedRead(
            TenantAliasVersion(tenantID: tenant.id, name: ModelName.lookupForm(modelName), alias: alias.value), logger: logger)
        if let version = found.first { return version }
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            guard let version = model.aliases[alias.value] else { throw CairnError.notFound("Model '\(model.name)' has no alias '\(alias)'.") }
            return try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger)
        }
    }

    public func setLegalHold(_ held: Bool, reason: String?, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger)
        async throws -> ModelVersion
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let current = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            guard current.legalHold != held else { return current }
            try await connection.query(
                """
                UPDATE cairn.model_versions SET legal_hold = \(held), legal_hold_reason = \(held ? reason : nil), updated_by = \(actor.username)
                WHERE model_id = \(model.id) AND version = \(version)
                """, logger: logger)
            let updated = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger)
            try await AuditTrail.record(
                AuditEvent(
                    action: held ? "model_version.legal_hold_placed" : "model_version.legal_hold_lifted", objectType: "model_version",
                    objectID: updated.auditID, before: .object(["legal_hold": .bool(current.legalHold)]),
                    after: .object(["legal_hold": .bool(held), "reason": reason.map(JSONValue.string) ?? .null])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return updated
        }
    }
}

/// A version by its alias, prepared once per connection.
struct TenantAliasVersion: VersionRows {
    static let sql = "SELECT * FROM cairn.tenant_alias_version($1, $2, $3)"
    let tenantID: UUID
    let name: String
    let alias: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID)
        bindings.append(name)
        bindings.append(alias)
        return bindings
    }
}
