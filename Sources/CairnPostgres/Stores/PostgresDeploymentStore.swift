public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

public struct PostgresDeploymentStore: DeploymentStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        d.id, m.name AS model_name, d.version, d.environment, d.target, lower(d.serving) AS serving_from,
        upper(d.serving) AS serving_until, d.comment, d.deployed_by, d.undeployed_by
        """

    public func deploy(_ version: Int, of modelName: String, _ deployment: NewDeployment, in tenant: Tenant, by actor: Actor, logger: Logger)
        async throws -> Deployment
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let current = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger, lock: true)
            guard current.stage != .archived, current.status == .ready else {
                throw CairnError(
                    .invalidState,
                    "Version \(version) of '\(model.name)' is \(current.stage == .archived ? "Archived" : current.status.rawValue); only READY, unarchived versions are deployed."
                )
            }
            // Serialise deployments of this model so two at once cannot both close and open the same target.
            try await connection.query("SELECT 1 FROM cairn.registered_models WHERE id = \(model.id) FOR UPDATE", logger: logger)
            let active = try await connection.query(
                """
                SELECT version FROM cairn.deployments
                WHERE model_id = \(model.id) AND environment = \(deployment.environment) AND target = \(deployment.target) AND upper_inf(serving)
                """, logger: logger
            ).decode(Int.self).first { _ in true }
            if active == version {
                throw CairnError(.invalidState, "Version \(version) is already serving \(deployment.environment)/\(deployment.target).")
            }
            // One instant, taken after the lock, ends the old period and starts the new one: no gap, no overlap.
            let instant = try await connection.query("SELECT clock_timestamp()", logger: logger).decode(Date.self).first { _ in true } ?? Date()
            try await connection.query(
                """
                UPDATE cairn.deployments SET serving = tstzrange(lower(serving), \(instant)), undeployed_by = \(actor.username)
                WHERE model_id = \(model.id) AND environment = \(deployment.environment) AND target = \(deployment.target) AND upper_inf(serving)
                """, logger: logger)
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO cairn.deployments (tenant_id, model_id, version, environment, target, serving, comment, deployed_by)
                    VALUES (\(tenant.id), \(model.id), \(version), \(deployment.environment), \(deployment.target),
                            tstzrange(\(instant), NULL), \(deployment.comment), \(actor.username))
                    RETURNING *)
                SELECT \(unescaped: Self.columns) FROM inserted d JOIN cairn.registered_models m ON m.tenant_id = d.tenant_id AND m.id = d.model_id
                """, logger: logger)
            guard let started = try await Self.deployments(from: rows).first else { throw CairnError(.internalError, "Deployment not recorded.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "deployment.started", objectType: "deployment", objectID: started.id.uuidString.lowercased(),
                    after: .object([
                        "model": .string(model.name), "version": .number(Double(version)), "environment": .string(started.environment),
                        "target": .string(started.target), "replaced_version": active.map { .number(Double($0)) } ?? .null,
                    ])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return started
        }
    }

    public func undeploy(_ id: UUID, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> Deployment
    {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            let rows = try await connection.query(
                """
                WITH ended AS (
                    UPDATE cairn.deployments SET serving = tstzrange(lower(serving), clock_timestamp()), undeployed_by = \(actor.username)
                    WHERE id = \(id) AND model_id = \(model.id) AND version = \(version) AND upper_inf(serving)
                    RETURNING *)
                SELECT \(unescaped: Self.columns) FROM ended d JOIN cairn.registered_models m ON m.tenant_id = d.tenant_id AND m.id = d.model_id
                """, logger: logger)
            guard let ended = try await Self.deployments(from: rows).first else {
                throw CairnError.notFound("No active deployment \(id.uuidString.lowercased()) of version \(version).")
            }
            try await AuditTrail.record(
                AuditEvent(
                    action: "deployment.ended", objectType: "deployment", objectID: id.uuidString.lowercased(),
                    after: .object([
                        "model": .string(model.name), "version": .number(Double(version)), "environment": .string(ended.environment),
                        "target": .string(ended.target),
                    ])),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return ended
        }
    }

    public func deployments(of version: Int, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> [Deployment] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let model = try await PostgresRegistryStore.model(named: modelName, on: connection, logger: logger)
            _ = try await PostgresRegistryStore.version(version, modelID: model.id, on: connection, logger: logger)
            return try await Self.deployments(
                from: connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM cairn.deployments d
                    JOIN cairn.registered_models m ON m.tenant_id = d.tenant_id AND m.id = d.model_id
                    WHERE d.model_id = \(model.id) AND d.version = \(version) ORDER BY lower(d.serving) DESC
                    """, logger: logger))
        }
    }

    public func serving(at instant: Date, environment: String?, in tenant: Tenant, logger: Logger) async throws -> [Deployment] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.deployments(
                from: connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM cairn.deployments d
                    JOIN cairn.registered_models m ON m.tenant_id = d.tenant_id AND m.id = d.model_id
                    WHERE d.serving @> \(instant)::timestamptz AND (\(environment)::text IS NULL OR d.environment = \(environment))
                    ORDER BY d.environment, m.name, d.target
                    """, logger: logger))
        }
    }

    private static func deployments(from rows: PostgresRowSequence) async throws -> [Deployment] {
        var result: [Deployment] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            result.append(
                Deployment(
                    id: try r.value("id"), modelName: try r.value("model_name"), version: try r.value("version"),
                    environment: try r.value("environment"),
                    target: try r.value("target"), from: try r.value("serving_from"), until: try r.value("serving_until"),
                    comment: try r.value("comment"),
                    deployedBy: try r.value("deployed_by"), undeployedBy: try r.value("undeployed_by")))
        }
        return result
    }
}
