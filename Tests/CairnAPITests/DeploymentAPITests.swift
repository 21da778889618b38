import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Testing

@Suite struct DeploymentAPITests {
    private func deploy(_ api: APIClient, _ base: String, _ version: Int, env: String = "prod", target: String = "scoring-api") async throws -> Reply
    {
        try await api.call(
            .post, "\(base)/models/scorer/versions/\(version)/deployments", as: "alice", body: #"{"environment":"\#(env)","target":"\#(target)"}"#)
    }

    private func servingAt(_ api: APIClient, _ base: String, _ instant: String?, env: String? = "prod") async throws -> [String] {
        var query: [String] = []
        if let env { query.append("environment=\(env)") }
        if let instant { query.append("at=\(q(instant))") }
        let reply = try await api.call(.get, "\(base)/deployments?\(query.joined(separator: "&"))", as: "carol")
        return reply.json?["deployments"]?.array?.compactMap { d in
            guard let model = d["model"]?.string, let version = d["version"]?.number, let target = d["target"]?.string else { return nil }
            return "\(model)/\(Int(version))@\(target)"
        } ?? []
    }

    @Test func whatWasServingAtAnyInstantFollowsTheHistory() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("deploy")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("scorer", versions: 2, tenantBase: base)

            let first = try await deploy(api, base, 1)
            #expect(first.status == .created, "\(first.text)")
            let t1 = try #require(first.json?["serving_from"]?.string)
            try await Task.sleep(for: .milliseconds(20))
            let second = try await deploy(api, base, 2)
            let t2 = try #require(second.json?["serving_from"]?.string)
            let canary = try await deploy(api, base, 1, target: "scoring-api-canary")
            #expect(canary.status == .created)
            try await Task.sleep(for: .milliseconds(20))
            let secondID = try #require(second.json?["id"]?.string)
            let ended = try await api.call(.delete, "\(base)/models/scorer/versions/2/deployments/\(secondID)", as: "alice")
            #expect(ended.status == .ok, "\(ended.text)")
            let t3 = try #require(ended.json?["serving_until"]?.string)

            let history = try await api.call(.get, "\(base)/models/scorer/versions/1/deployments", as: "carol")
            let firstEntry = history.json?["deployments"]?.array?.first { $0["target"]?.string == "scoring-api" }
            #expect(firstEntry?["serving_until"]?.string == t2, "v1's period ends exactly when v2's begins")

            func shifted(_ text: String, by seconds: Double) throws -> String {
                RFC3339.format(try #require(RFC3339.parse(text)).addingTimeInterval(seconds))
            }
            #expect(try await servingAt(api, base, try shifted(t1, by: -60)) == [])
            #expect(try await servingAt(api, base, try shifted(t1, by: 0.005)) == ["scorer/1@scoring-api"])
            #expect(try await servingAt(api, base, try shifted(t2, by: 0.005)) == ["scorer/2@scoring-api"])
            #expect(try await servingAt(api, base, try shifted(t3, by: 0.005)) == ["scorer/1@scoring-api-canary"])
            #expect(try await servingAt(api, base, nil) == ["scorer/1@scoring-api-canary"])
            #expect(try await servingAt(api, base, nil, env: "staging") == [])

            let audit = try await api.call(.get, "\(base)/audit?action=deployment.started", as: "dave")
            #expect(audit.json?["entries"]?.array?.count == 3)
        }
    }

    @Test func refusedDeploymentsChangeNothing() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("deploy-bad")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("scorer", versions: 2, tenantBase: base)
            #expect(try await deploy(api, base, 1).status == .created)
            #expect(try await deploy(api, base, 1).status == .conflict, "already serving there")
            #expect(try await deploy(api, base, 1, env: "Prod!").status == .badRequest)
            #expect(try await deploy(api, base, 9).status == .notFound)
            #expect(
                try await api.call(.post, "\(base)/models/scorer/versions/2/transitions", as: "dave", body: #"{"to_stage":"Archived"}"#).status == .ok
            )
            #expect(try await deploy(api, base, 2).status == .conflict, "archived versions are not deployed")
            #expect(try await api.call(.get, "\(base)/deployments?at=noon", as: "carol").status == .badRequest)
            #expect(try await api.call(.delete, "\(base)/models/scorer/versions/1", as: "alice").status == .conflict, "history must stay answerable")
            let deleteModel = try await api.call(.delete, "\(base)/models/scorer", as: "alice")
            #expect(deleteModel.status == .conflict, "\(deleteModel.text)")
            #expect(deleteModel.json?["message"]?.string?.contains("deployment history") == true)
            #expect(try await servingAt(api, base, nil) == ["scorer/1@scoring-api"])
        }
    }

    @Test func theDatabaseRefusesOverlappingServingPeriods() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("deploy-db")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("scorer", versions: 2, tenantBase: base)
            #expect(try await deploy(api, base, 1).status == .created)
        }
        let db = harness.db
        do {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO cairn.deployments (tenant_id, model_id, version, environment, target, serving, deployed_by)
                    SELECT tenant_id, model_id, 2, 'prod', 'scoring-api', tstzrange(now() - interval '1 hour', NULL), 'mallory'
                    FROM cairn.model_versions WHERE version = 2
                    """, logger: db.logger)
            }
            Issue.record("an overlapping deployment was stored")
        } catch let error as CairnError {
            #expect(error.code == .invalidState)
        }
    }
}
