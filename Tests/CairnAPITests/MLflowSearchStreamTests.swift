import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// MLflow's client asks for 10,000 versions per search; Cairn streams such an answer page by page from the database
/// (pages of 1,000). Together the pages must be exactly one search: every version once, in order, and a token that
/// continues where the answer stopped.
@Suite struct MLflowSearchStreamTests {
    @Test func aLongSearchIsOneAnswerAcrossDatabasePages() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("stream")
        try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
            try await connection.query(
                """
                INSERT INTO cairn.registered_models (tenant_id, name, name_key, created_by, updated_by, next_version)
                VALUES (current_setting('app.tenant_id')::uuid, 'big', 'big', 'seed', 'seed', 2501)
                """, logger: harness.db.logger)
            try await connection.query(
                """
                INSERT INTO cairn.model_versions (tenant_id, model_id, version, status, source, created_by, updated_by, updated_at)
                SELECT m.tenant_id, m.id, v, 'READY', 's3://big/' || v, 'seed', 'seed', now() - v * interval '1 second'
                FROM cairn.registered_models m, generate_series(1, 2500) v WHERE m.name = 'big'
                """, logger: harness.db.logger)
        }
        let search = "/tenants/\(tenant.slug)/api/2.0/mlflow/model-versions/search?filter=\(q("name='big'"))"
        try await harness.run { api in
            let first = try await api.call(.get, "\(search)&max_results=2200", as: "carol")
            #expect(first.status == .ok, "\(first.text)")
            let firstVersions = first.json?["model_versions"]?.array?.compactMap { $0["version"]?.string } ?? []
            // Default order: last updated first, and version n was updated n seconds ago.
            #expect(firstVersions == (1...2200).map(String.init))
            let token = try #require(first.json?["next_page_token"]?.string)
            // Streamed: no length known up front (a buffered answer, like a model search, has one).
            #expect(first.headers[.contentLength] == nil)
            let models = try await api.call(.get, "/tenants/\(tenant.slug)/api/2.0/mlflow/registered-models/search", as: "carol")
            #expect(models.headers[.contentLength] != nil)

            let rest = try await api.call(.get, "\(search)&max_results=2200&page_token=\(q(token))", as: "carol")
            #expect(rest.status == .ok, "\(rest.text)")
            #expect(rest.json?["model_versions"]?.array?.compactMap { $0["version"]?.string } == (2201...2500).map(String.init))
            #expect(rest.json?["next_page_token"] == nil)

            let all = try await api.call(.get, search, as: "carol")
            #expect(all.json?["model_versions"]?.array?.count == 2500)
            #expect(all.json?["next_page_token"] == nil)
            #expect(all.json?["model_versions"]?.array?.first?["source"]?.string == "s3://big/1")

            let exact = try await api.call(.get, "\(search)&max_results=2500", as: "carol")
            #expect(exact.json?["model_versions"]?.array?.count == 2500)

            let none = try await api.call(
                .get, "/tenants/\(tenant.slug)/api/2.0/mlflow/model-versions/search?filter=\(q("name='nothing'"))", as: "carol")
            #expect(none.status == .ok)
            #expect(none.text == "{}")

            let badToken = try await api.call(.get, "\(search)&page_token=garbage", as: "carol")
            #expect(badToken.status == .badRequest, "\(badToken.text)")
            #expect(badToken.json?["error_code"]?.string == "INVALID_PARAMETER_VALUE")
        }
    }
}
