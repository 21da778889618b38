import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

/// A version's metrics and tags are kept on its row (sql/0015) so listings read no subquery per row. The tables
/// stay the record: after every write the row's copy must equal what the tables hold, nobody may write the copy
/// directly, and keeping it up is no change of the version (no revision counted for a tag, as before).
@Suite struct VersionFacetTests {
    /// The versions of the tenant whose kept metrics or tags differ from what their tables aggregate to.
    private func drifted(_ db: TestDatabase, _ tenant: Tenant) async throws -> Int {
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query(
                """
                SELECT count(*)::int FROM cairn.model_versions v
                WHERE v.metrics_facet IS DISTINCT FROM COALESCE(
                          (SELECT array_agg(e ORDER BY x.dataset, x.key, n) FROM cairn.version_metrics x,
                                  unnest(ARRAY[x.dataset, x.key, x.value::text]) WITH ORDINALITY AS u(e, n)
                           WHERE x.model_id = v.model_id AND x.version = v.version), '{}')
                   OR v.tags_facet IS DISTINCT FROM COALESCE(
                          (SELECT array_agg(e ORDER BY t.key, n) FROM cairn.model_version_tags t,
                                  unnest(ARRAY[t.key, t.value]) WITH ORDINALITY AS u(e, n)
                           WHERE t.model_id = v.model_id AND t.version = v.version), '{}')
                """, logger: db.logger
            ).decode(Int.self).first { _ in true } ?? -1
        }
    }

    private func revision(_ db: TestDatabase, _ tenant: Tenant, version: Int) async throws -> Int {
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query(
                "SELECT revision::int FROM cairn.model_versions WHERE version = \(version)", logger: db.logger
            ).decode(Int.self).first { _ in true } ?? -1
        }
    }

    private func seed(_ db: TestDatabase, _ prefix: String) async throws -> Tenant {
        let tenant = try await db.makeTenant(prefix)
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName("Facets"), description: nil, owner: nil, tags: nil), in: tenant, by: "test", logger: db.logger)
        _ = try await db.registry.createVersion(
            of: "Facets",
            try NewModelVersion(
                status: .ready, description: nil, source: nil, runID: nil, runLink: nil, lineage: Lineage(), hyperparameters: [:],
                metrics: [Metric(dataset: "q3", key: "auc", value: 0.5), Metric(dataset: "holdout", key: "auc", value: 0.91)],
                environment: [:], tags: ["team": "credit", "owner": "risk"]),
            in: tenant, by: "alice", logger: db.logger)
        return tenant
    }

    private func change(tags: [String: String]? = nil, metrics: [Metric]? = nil) throws -> ModelVersionChanges {
        try ModelVersionChanges(description: nil, status: nil, statusMessage: nil, tags: tags, metrics: metrics)
    }

    @Test func theKeptCopyFollowsEveryWriteOfMetricsAndTags() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await seed(db, "facets-follow")
        let created = try await db.registry.version(1, of: "Facets", in: tenant, logger: db.logger)
        #expect(created.tags == ["owner": "risk", "team": "credit"])
        #expect(created.metrics.map(\.dataset) == ["holdout", "q3"])
        #expect(try await drifted(db, tenant) == 0)

        let retagged = try await db.registry.updateVersion(
            1, of: "Facets", try change(tags: ["stage-gate": "ok"]), in: tenant, by: "alice", logger: db.logger)
        #expect(retagged.tags == ["stage-gate": "ok"])
        #expect(try await drifted(db, tenant) == 0)

        let measured = try await db.registry.updateVersion(
            1, of: "Facets",
            try change(metrics: [Metric(dataset: "holdout", key: "auc", value: 0.93), Metric(dataset: "holdout", key: "f1", value: 0.8)]),
            in: tenant, by: "alice", logger: db.logger)
        #expect(measured.metrics.map(\.value) == [0.93, 0.8, 0.5])
        #expect(try await drifted(db, tenant) == 0)

        let untagged = try await db.registry.updateVersion(1, of: "Facets", try change(tags: [:]), in: tenant, by: "alice", logger: db.logger)
        #expect(untagged.tags.isEmpty)
        #expect(try await drifted(db, tenant) == 0)

        // A listing reads the same copy.
        let page = try await db.registry.searchVersions(
            try VersionQuery(modelName: "Facets", filter: nil, orderBy: nil, maxResults: 10, pageToken: nil), in: tenant, logger: db.logger)
        #expect(page.versions == [untagged])
    }

    @Test func theKeptCopyIsNotWrittenDirectly() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await seed(db, "facets-direct")
        for column in ["tags_facet", "metrics_facet"] {
            // On a raw connection, so the database's own refusal is seen (the store translates errors).
            let constraint = try await db.client.withConnection { connection in
                try await connection.query("BEGIN", logger: db.logger)
                try await connection.query("SELECT set_config('app.tenant_id', \(tenant.id.uuidString), true)", logger: db.logger)
                let outcome: String
                do {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "UPDATE cairn.model_versions SET \(column) = '{forged,1}' WHERE version = 1"), logger: db.logger)
                    outcome = "accepted"
                } catch let error as PSQLError {
                    outcome = error.serverInfo?[.constraintName] ?? "no constraint"
                }
                try await connection.query("ROLLBACK", logger: db.logger)
                return outcome
            }
            #expect(constraint == "version_facets_derived")
        }
        #expect(try await db.registry.version(1, of: "Facets", in: tenant, logger: db.logger).tags == ["owner": "risk", "team": "credit"])
    }

    @Test func aTagIsNoRevisionOfTheVersionAndAMetricIs() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await seed(db, "facets-revision")
        let start = try await revision(db, tenant, version: 1)
        let before = try await db.registry.version(1, of: "Facets", in: tenant, logger: db.logger)
        // Tags straight into their table, as a tag-only writer would: the copy follows, the version's state does not.
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query(
                """
                INSERT INTO cairn.model_version_tags (tenant_id, model_id, version, key, value)
                VALUES (\(tenant.id), \(before.modelID), 1, 'note', 'x')
                """, logger: db.logger)
        }
        let tagged = try await db.registry.version(1, of: "Facets", in: tenant, logger: db.logger)
        #expect(tagged.tags["note"] == "x")
        #expect(tagged.updatedAt == before.updatedAt)
        #expect(try await revision(db, tenant, version: 1) == start)
        _ = try await db.registry.updateVersion(
            1, of: "Facets", try change(metrics: [Metric(dataset: "q4", key: "auc", value: 0.7)]), in: tenant, by: "alice", logger: db.logger)
        #expect(try await revision(db, tenant, version: 1) > start)
        #expect(try await drifted(db, tenant) == 0)
    }
}
