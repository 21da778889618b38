import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite struct RegistryAPITests {
    @Test func aTenantIsCreatedByAPlatformAdminAndSeenOnlyByItsMembers() async throws {
        let harness = try await APIHarness.make()
        let slug = "team-\(UUID().uuidString.prefix(8).lowercased())"
        try await harness.run { api in
            let created = try await api.call(
                .post, "/api/v1/tenants", as: "pat",
                json: .object([
                    "slug": .string(slug), "display_name": .string("Team"),
                    "role_bindings": .array([
                        .object(["group": .string("CN=ML-Contributors,ou=groups,dc=cairn,dc=test"), "role": .string("contributor")])
                    ]),
                ]))
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json?["slug"]?.string == slug)

            let again = try await api.call(
                .post, "/api/v1/tenants", as: "pat", json: .object(["slug": .string(slug), "display_name": .string("Again")]))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "RESOURCE_ALREADY_EXISTS")

            let alice = try await api.call(.get, "/api/v1/tenants", as: "alice")
            let aliceSees = alice.json?["tenants"]?.array?.compactMap { $0["slug"]?.string } ?? []
            #expect(aliceSees.contains(slug))
            #expect(alice.json?["tenants"]?.array?.first { $0["slug"]?.string == slug }?["role"]?.string == "contributor")

            let carol = try await api.call(.get, "/api/v1/tenants", as: "carol")
            let carolSees = carol.json?["tenants"]?.array?.compactMap { $0["slug"]?.string } ?? []
            #expect(carol.status == .ok)
            #expect(!carolSees.contains(slug))

            let pat = try await api.call(.get, "/api/v1/tenants", as: "pat")
            let patSees = pat.json?["tenants"]?.array?.compactMap { $0["slug"]?.string } ?? []
            #expect(patSees.contains(slug))
        }
    }

    @Test func adminsReplaceRoleBindingsAndTheyTakeEffect() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("bind")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            #expect(try await api.call(.get, "\(base)/models", as: "carol").status == .ok)
            let replaced = try await api.call(
                .put, "\(base)/role-bindings", as: "erin",
                json: .object([
                    "role_bindings": .array([
                        .object(["group": .string(DirectoryFixture.admins.normalized), "role": .string("admin")]),
                        .object(["group": .string(DirectoryFixture.contributors.normalized), "role": .string("reader")]),
                    ])
                ]))
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(replaced.json?["role_bindings"]?.array?.count == 2)
            // Readers lost their binding: the tenant is now invisible to carol; alice was demoted to reader.
            #expect(try await api.call(.get, "\(base)/models", as: "carol").status == .notFound)
            #expect(try await api.call(.post, "\(base)/models", as: "alice", body: #"{"name":"x"}"#).status == .forbidden)
            #expect(try await api.call(.get, "\(base)/models", as: "alice").status == .ok)
            // A platform admin manages any tenant's bindings without being bound there.
            #expect(try await api.call(.get, "\(base)/role-bindings", as: "pat").status == .ok)
            let bad = try await api.call(
                .put, "\(base)/role-bindings", as: "erin",
                json: .object([
                    "role_bindings": .array([
                        .object(["group": .string("cn=x,dc=y"), "role": .string("superuser")])
                    ])
                ]))
            #expect(bad.status == .badRequest)
            #expect(try await api.call(.get, "\(base)/role-bindings", as: "erin").json?["role_bindings"]?.array?.count == 2)
        }
    }

    @Test func theSameModelNameLivesIndependentlyInTwoTenants() async throws {
        let harness = try await APIHarness.make()
        let a = try await harness.db.makeTenant("twin-a")
        let b = try await harness.db.makeTenant("twin-b")
        try await harness.run { api in
            for tenant in [a, b] {
                let reply = try await api.call(
                    .post, "/api/v1/tenants/\(tenant.slug)/models", as: "alice",
                    body: #"{"name":"fraud-detector","description":"for \#(tenant.slug)"}"#)
                #expect(reply.status == .created, "\(reply.text)")
            }
            _ = try await api.call(.post, "/api/v1/tenants/\(a.slug)/models/fraud-detector/versions", as: "alice", body: "{}")
            let inA = try await api.call(.get, "/api/v1/tenants/\(a.slug)/models/fraud-detector", as: "carol")
            let inB = try await api.call(.get, "/api/v1/tenants/\(b.slug)/models/fraud-detector", as: "carol")
            #expect(inA.json?["description"]?.string == "for \(a.slug)")
            #expect(inB.json?["description"]?.string == "for \(b.slug)")
            #expect(inA.json?["latest_version"]?.number == 1)
            #expect(inB.json?["latest_version"] == .null)
        }
    }

    @Test func twentyConcurrentRegistrationsGetUniqueNumbers() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("race")
        let base = "/api/v1/tenants/\(tenant.slug)/models"
        try await harness.run { api in
            #expect(try await api.call(.post, base, as: "alice", body: #"{"name":"hot"}"#).status == .created)
            let numbers = try await withThrowingTaskGroup(of: Int?.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        let user = i.isMultiple(of: 2) ? "alice" : "bob"
                        let reply = try await api.call(.post, "\(base)/hot/versions", as: user, body: #"{"run_id":"run-\#(i)"}"#)
                        return reply.status == .created ? reply.json?["version"]?.number.map { Int($0) } : nil
                    }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(numbers.compactMap { $0 }.sorted() == Array(1...20))
        }
    }

    @Test func aVersionCarriesItsFullRecordAndCanBeSearchedComparedAndRetired() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("record")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let model = try await api.call(
                .post, "\(base)/models", as: "alice",
                body: ##"{"name":"credit-risk","owner":"risk-ml","tags":{"domain":"lending"},"description":"# Credit\nPD model"}"##)
            #expect(model.status == .created)
            for (i, auc) in [0.81, 0.86].enumerated() {
                let version = try await api.call(
                    .post, "\(base)/models/credit-risk/versions", as: "alice",
                    body: """
                        {"description":"v\(i + 1)","source":"s3://models/credit/\(i + 1)","run_id":"r\(i + 1)","run_link":"https://mlflow.example/r\(i + 1)",
                         "lineage":{"code_repository":"https://git.example/credit","code_commit":"\(i == 0 ? "a1b2c3d" : "d4e5f6a")",
                                    "dataset_uri":"s3://data/loans","dataset_version":"2026-10","dataset_digest":"sha256:\(i)"},
                         "hyperparameters":{"max_depth":\(6 + i),"learning_rate":0.1},
                         "metrics":[{"dataset":"holdout","key":"auc","value":\(auc)},{"dataset":"holdout","key":"fairness/demographic_parity_gap","value":0.03}],
                         "environment":{"framework":"xgboost","framework_version":"2.1.0","hardware":"cpu"},
                         "tags":{"candidate":"\(i == 1)"}}
                        """)
                #expect(version.status == .created, "\(version.text)")
                #expect(version.json?["version"]?.number == Double(i + 1))
                #expect(version.json?["lineage"]?["code_commit"]?.string == (i == 0 ? "a1b2c3d" : "d4e5f6a"))
                #expect(version.json?["created_by"]?.string == "alice")
                #expect(version.json?["stage"]?.string == "None")
            }

            let fetched = try await api.call(.get, "\(base)/models/credit-risk/versions/2", as: "carol")
            #expect(fetched.json?["environment"]?["framework"]?.string == "xgboost")
            #expect(fetched.json?["hyperparameters"]?["max_depth"]?.number == 7)
            #expect(fetched.json?["metrics"]?.array?.count == 2)

            let found = try await api.call(
                .get, "\(base)/versions?filter=\(q("metrics.auc@holdout > 0.85 AND model_tags.domain = 'lending'"))", as: "carol")
            #expect(found.status == .ok, "\(found.text)")
            #expect(found.json?["model_versions"]?.array?.compactMap { $0["version"]?.number } == [2])

            let listed = try await api.call(.get, "\(base)/models/credit-risk/versions?order_by=version%20ASC&max_results=1", as: "carol")
            #expect(listed.json?["model_versions"]?.array?.count == 1)
            let token = try #require(listed.json?["next_page_token"]?.string)
            let next = try await api.call(
                .get, "\(base)/models/credit-risk/versions?order_by=version%20ASC&max_results=1&page_token=\(token)", as: "carol")
            #expect(next.json?["model_versions"]?[0]?["version"]?.number == 2)
            #expect(next.json?["next_page_token"] == nil, "the last page carries no token")

            let compared = try await api.call(.get, "\(base)/models/credit-risk/compare?versions=1,2", as: "carol")
            #expect(compared.status == .ok, "\(compared.text)")
            let depth = compared.json?["hyperparameters"]?.array?.first { $0["key"]?.string == "max_depth" }
            #expect(depth?["values"] == .array([.number(6), .number(7)]))
            #expect(depth?["differs"] == .bool(true))
            let rate = compared.json?["hyperparameters"]?.array?.first { $0["key"]?.string == "learning_rate" }
            #expect(rate?["differs"] == .bool(false))
            #expect(
                compared.json?["metrics"]?.array?.first { $0["key"]?.string == "holdout/auc" }?["values"] == .array([.number(0.81), .number(0.86)]))
            #expect(compared.json?["lineage"]?.array?.first { $0["key"]?.string == "code_commit" }?["differs"] == .bool(true))

            let patched = try await api.call(
                .patch, "\(base)/models/credit-risk/versions/1", as: "bob",
                body: #"{"description":"superseded","metrics":[{"dataset":"q4","key":"auc","value":0.79}]}"#)
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(patched.json?["updated_by"]?.string == "bob")
            #expect(patched.json?["metrics"]?.array?.count == 3)

            let renamed = try await api.call(
                .patch, "\(base)/models/credit-risk", as: "bob", body: #"{"owner":null,"tags":{"domain":"lending","tier":"1"}}"#)
            #expect(renamed.json?["owner"] == .null)
            #expect(renamed.json?["tags"]?["tier"]?.string == "1")

            #expect(try await api.call(.delete, "\(base)/models/credit-risk/versions/1", as: "alice").status == .noContent)
            #expect(try await api.call(.get, "\(base)/models/credit-risk/versions/1", as: "carol").status == .notFound)
            #expect(try await api.call(.delete, "\(base)/models/credit-risk", as: "alice").status == .noContent)
            #expect(try await api.call(.get, "\(base)/models/credit-risk", as: "carol").status == .notFound)
        }
    }

    @Test func healthAndReadinessNeedNoCredentials() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            #expect(try await api.call(.get, "/healthz", as: nil).json?["status"]?.string == "ok")
            let ready = try await api.call(.get, "/readyz", as: nil)
            #expect(ready.status == .ok)
            #expect(ready.json?["database"]?.string == "ok")
        }
    }
}

@Suite struct AuditAPITests {
    @Test func approversReadTheTrailFilteredAndAsJSONLines() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("audit-api")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            #expect(try await api.call(.post, "\(base)/models", as: "alice", body: #"{"name":"scored"}"#).status == .created)
            #expect(try await api.call(.post, "\(base)/models/scored/versions", as: "bob", body: "{}").status == .created)
            #expect(try await api.call(.patch, "\(base)/models/scored", as: "alice", body: #"{"description":"v2"}"#).status == .ok)

            let all = try await api.call(.get, "\(base)/audit", as: "dave")
            #expect(all.status == .ok, "\(all.text)")
            let actions = all.json?["entries"]?.array?.compactMap { $0["action"]?.string }
            #expect(actions == ["registered_model.updated", "model_version.created", "registered_model.created", "tenant.created"])
            #expect(all.json?["entries"]?[0]?["before"]?["description"]?.string == "")
            #expect(all.json?["entries"]?[0]?["after"]?["description"]?.string == "v2")
            #expect(all.json?["entries"]?[0]?["request_id"]?.string?.isEmpty == false)

            let bobs = try await api.call(.get, "\(base)/audit?actor=bob", as: "dave")
            #expect(bobs.json?["entries"]?.array?.compactMap { $0["object_id"]?.string } == ["scored/1"])
            let model = try await api.call(.get, "\(base)/audit?object=registered_model:scored", as: "erin")
            #expect(model.json?["entries"]?.array?.count == 2)

            let paged = try await api.call(.get, "\(base)/audit?max_results=3", as: "dave")
            let token = try #require(paged.json?["next_page_token"]?.string)
            let rest = try await api.call(.get, "\(base)/audit?max_results=3&page_token=\(token)", as: "dave")
            #expect(rest.json?["entries"]?.array?.compactMap { $0["action"]?.string } == ["tenant.created"])
            #expect(try await api.call(.get, "\(base)/audit?actor=bob&page_token=\(token)", as: "dave").status == .badRequest)

            let lines = try await api.call(.get, "\(base)/audit?format=jsonl", as: "dave")
            #expect(lines.headers[.contentType] == "application/x-ndjson")
            let parsed = lines.text.split(separator: "\n").compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(parsed.count == 4)
            #expect(try await api.call(.get, "\(base)/audit?since=yesterday", as: "dave").status == .badRequest)
        }
    }
}
