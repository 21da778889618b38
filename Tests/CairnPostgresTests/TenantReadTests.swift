import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

/// `cairn.tenant_versions` reads a version in one statement that sets the tenant itself, with no transaction
/// around it. It must return what the transaction's read returns, see only its tenant's rows, and leave no
/// tenant behind on the pooled connection.
@Suite struct TenantReadTests {
    private func seed(_ db: TestDatabase, _ prefix: String, description: String) async throws -> Tenant {
        let tenant = try await db.makeTenant(prefix)
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName("Shared"), description: nil, owner: nil, tags: nil), in: tenant, by: "test", logger: db.logger)
        _ = try await db.registry.createVersion(
            of: "Shared",
            try NewModelVersion(
                status: .pendingRegistration, description: description, source: "s3://b/k", runID: "r-1", runLink: "https://mlflow/r-1",
                lineage: Lineage(
                    codeRepository: "https://git/x", codeCommit: "0123abcdef", datasetURI: "s3://data/x", datasetVersion: "v2",
                    datasetDigest: "sha256:bb"),
                hyperparameters: ["lr": .number(0.05), "layers": .array([.number(64), .number(32)])],
                metrics: [Metric(dataset: "holdout", key: "auc", value: 0.91), Metric(dataset: "q3", key: "fairness/dp_gap", value: 0.02)],
                environment: ["python": .string("3.11"), "gpu": .null], tags: ["owner": "risk", "team": "credit"]),
            in: tenant, by: "alice", logger: db.logger)
        return tenant
    }

    @Test func theOneStatementReadReturnsWhatTheTransactionReadReturns() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await seed(db, "one-statement", description: "mine")
        let aliases = PostgresAliasStore(database: db.database)
        _ = try await aliases.setAlias(try AliasName("champion"), to: 1, of: "Shared", in: tenant, by: "alice", logger: db.logger)
        let inTransaction = try await aliases.setAlias(try AliasName("beta"), to: 1, of: "Shared", in: tenant, by: "alice", logger: db.logger)
        let scoped = try await db.registry.version(1, of: " Shared ", in: tenant, logger: db.logger)
        #expect(scoped == inTransaction)
        #expect(scoped.aliases == ["beta", "champion"])
        #expect(scoped.metrics.count == 2)
        #expect(scoped.tags == ["owner": "risk", "team": "credit"])
        #expect(scoped.hyperparameters["layers"] == .array([.number(64), .number(32)]))
        #expect(scoped.lineage.datasetDigest == "sha256:bb")
    }

    @Test func aScopedReadSeesOnlyItsTenant() async throws {
        let db = try await TestDatabase.shared()
        let a = try await seed(db, "scoped-a", description: "a's")
        let b = try await seed(db, "scoped-b", description: "b's")
        #expect(try await db.registry.version(1, of: "Shared", in: a, logger: db.logger).description == "a's")
        #expect(try await db.registry.version(1, of: "Shared", in: b, logger: db.logger).description == "b's")
        let rows = try await db.client.query(
            "SELECT description FROM cairn.tenant_versions(\(a.id), 'Shared', ARRAY[1])", logger: db.logger
        ).decode(String.self).reduce(into: [String]()) { $0.append($1) }
        #expect(rows == ["a's"])
        let nobody = Tenant(id: UUID(), slug: try TenantSlug("nobody"), displayName: "Nobody", settings: [:], createdAt: Date(), createdBy: "test")
        await #expect(throws: CairnError.self) { try await db.registry.version(1, of: "Shared", in: nobody, logger: db.logger) }
    }

    @Test func theTenantDoesNotOutliveTheStatementOnThePooledConnection() async throws {
        let db = try await TestDatabase.shared()
        let a = try await seed(db, "leak-a", description: "a's")
        let (setting, visible) = try await db.client.withConnection { connection in
            let read = try await connection.query(
                "SELECT count(*)::int FROM cairn.tenant_versions(\(a.id), 'Shared', ARRAY[1])", logger: db.logger
            ).decode(Int.self).first { _ in true }
            #expect(read == 1)
            let setting =
                try await connection.query("SELECT current_setting('app.tenant_id', true)", logger: db.logger)
                .decode(String?.self).first { _ in true } ?? nil
            let visible = try await connection.query("SELECT count(*)::int FROM cairn.model_versions", logger: db.logger)
                .decode(Int.self).first { _ in true }
            return (setting, visible)
        }
        #expect(setting == nil || setting == "")
        #expect(visible == 0)
    }

    @Test func insideATransactionTheCallersTenantIsKept() async throws {
        let db = try await TestDatabase.shared()
        let a = try await seed(db, "kept-a", description: "a's")
        let b = try await seed(db, "kept-b", description: "b's")
        let (fromA, afterward) = try await db.database.withTenant(b.id, logger: db.logger) { connection in
            let fromA = try await connection.query(
                "SELECT description FROM cairn.tenant_versions(\(a.id), 'Shared', ARRAY[1])", logger: db.logger
            ).decode(String.self).first { _ in true }
            let afterward = try await connection.query("SELECT tenant_id FROM cairn.model_versions", logger: db.logger)
                .decode(UUID.self).reduce(into: [UUID]()) { $0.append($1) }
            return (fromA, afterward)
        }
        #expect(fromA == "a's")
        #expect(afterward == [b.id])
    }
}
