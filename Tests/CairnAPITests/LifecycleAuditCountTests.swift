import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// Every lifecycle mutation appends exactly one audit entry, and a refused one appends none.
@Suite struct LifecycleAuditCountTests {
    @Test func eachMutationAddsExactlyOneEntry() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("count")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let v = "\(base)/models/m/versions"
        try await harness.run { api in
            try await api.seedModel("m", versions: 3, tenantBase: base)

            func entries() async throws -> [String] {
                try await api.call(.get, "\(base)/audit?max_results=1000", as: "erin").json?["entries"]?.array?.compactMap { $0["action"]?.string }
                    ?? []
            }
            var count = try await entries().count

            func expectOne(_ action: String, _ method: HTTPRequest.Method, _ path: String, as user: String, body: String? = nil) async throws -> Reply
            {
                let reply = try await api.call(method, path, as: user, body: body)
                #expect(reply.status.code < 300, "\(action): \(reply.status) \(reply.text)")
                let now = try await entries()
                #expect(now.count == count + 1, "\(action) added \(now.count - count) entries")
                #expect(now.first == action)
                count = now.count
                return reply
            }

            _ = try await expectOne("tenant.settings_updated", .patch, "\(base)/settings", as: "erin", body: #"{"protected_aliases":["champion"]}"#)
            _ = try await expectOne("model_version.stage_changed", .post, "\(v)/1/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
            let request = try await expectOne(
                "transition_request.created", .post, "\(v)/1/transitions", as: "alice", body: #"{"to_stage":"Production"}"#)
            let id = try #require(request.json?["transition_request"]?["id"]?.string)
            _ = try await expectOne("transition_request.approved", .post, "\(base)/transition-requests/\(id)/approve", as: "dave")
            _ = try await expectOne("model_version.stage_changed", .post, "\(v)/2/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
            let second = try await expectOne(
                "transition_request.created", .post, "\(v)/2/transition-requests", as: "alice", body: #"{"to_stage":"Production"}"#)
            _ = try await expectOne(
                "transition_request.rejected", .post, "\(base)/transition-requests/\(second.json?["id"]?.string ?? "")/reject", as: "dave",
                body: #"{"comment":"needs fairness review"}"#)
            let third = try await expectOne(
                "transition_request.created", .post, "\(v)/2/transition-requests", as: "alice", body: #"{"to_stage":"Production"}"#)
            _ = try await expectOne(
                "transition_request.cancelled", .post, "\(base)/transition-requests/\(third.json?["id"]?.string ?? "")/cancel", as: "alice")
            _ = try await expectOne("model_version_alias.set", .put, "\(base)/models/m/aliases/champion", as: "dave", body: #"{"version":1}"#)
            _ = try await expectOne("model_version_alias.deleted", .delete, "\(base)/models/m/aliases/champion", as: "dave")
            let deployed = try await expectOne(
                "deployment.started", .post, "\(v)/1/deployments", as: "alice", body: #"{"environment":"prod","target":"api"}"#)
            _ = try await expectOne("deployment.ended", .delete, "\(v)/1/deployments/\(deployed.json?["id"]?.string ?? "")", as: "alice")
            _ = try await expectOne("model_card.updated", .put, "\(v)/3/model-card", as: "alice", body: #"{"intended_use":"x"}"#)
            _ = try await expectOne(
                "model_version.legal_hold_placed", .put, "\(v)/3/legal-hold", as: "erin", body: #"{"held":true,"reason":"matter 7"}"#)
            _ = try await expectOne("model_version.legal_hold_lifted", .put, "\(v)/3/legal-hold", as: "erin", body: #"{"held":false}"#)

            // Refused: nothing recorded.
            for (method, path, user, body) in [
                (HTTPRequest.Method.post, "\(v)/1/transitions", "alice", #"{"to_stage":"None"}"#),
                (.put, "\(base)/models/m/aliases/champion", "alice", #"{"version":1}"#),
                (.post, "\(v)/1/deployments", "carol", #"{"environment":"prod","target":"api"}"#),
                (.post, "\(base)/transition-requests/\(id)/approve", "erin", nil),
            ] {
                let reply = try await api.call(method, path, as: user, body: body)
                #expect(reply.status.code >= 400, "\(path): \(reply.status)")
            }
            #expect(try await entries().count == count)
        }
        let finding = try await PostgresAuditStore(database: harness.db.database).verify(tenant: tenant, logger: harness.db.logger)
        #expect("\(finding)".hasPrefix("intact"), "\(finding)")
    }
}
