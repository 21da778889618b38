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

@Suite struct LifecycleAPITests {
    private func setUp(_ api: APIClient, _ base: String, versions: Int = 1) async throws {
        try await api.seedModel("churn", versions: versions, tenantBase: base)
    }

    private func move(_ api: APIClient, _ base: String, _ version: Int, to stage: String, as user: String, archiveExisting: Bool = false) async throws
        -> Reply
    {
        try await api.call(
            .post, "\(base)/models/churn/versions/\(version)/transitions", as: user,
            body: #"{"to_stage":"\#(stage)","comment":"by \#(user)","archive_existing":\#(archiveExisting)}"#)
    }

    private func stage(_ api: APIClient, _ base: String, _ version: Int) async throws -> String? {
        try await api.call(.get, "\(base)/models/churn/versions/\(version)", as: "carol").json?["stage"]?.string
    }

    @Test func fourEyesEndToEndWithTwoPeople() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("four-eyes")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base)
            #expect(try await move(api, base, 1, to: "Production", as: "dave").status == .conflict, "None → Production skips Staging")
            let staged = try await move(api, base, 1, to: "Staging", as: "alice")
            #expect(staged.status == .ok, "\(staged.text)")
            #expect(staged.json?["outcome"]?.string == "applied")

            let requested = try await move(api, base, 1, to: "Production", as: "dave")
            #expect(requested.status == .accepted, "\(requested.text)")
            let id = try #require(requested.json?["transition_request"]?["id"]?.string)
            #expect(try await stage(api, base, 1) == "Staging", "a request changes nothing yet")
            #expect(try await move(api, base, 1, to: "Production", as: "erin").status == .conflict, "one pending request per version")

            let inbox = try await api.call(.get, "\(base)/transition-requests?status=pending", as: "carol")
            #expect(inbox.json?["transition_requests"]?.array?.compactMap { $0["id"]?.string } == [id])

            let own = try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "dave", body: "{}")
            #expect(own.status == .forbidden, "the requester cannot approve: \(own.text)")
            #expect(try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "alice").status == .forbidden)

            let approved = try await api.call(
                .post, "\(base)/transition-requests/\(id)/approve", as: "erin", body: #"{"comment":"model risk sign-off"}"#)
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(approved.json?["transition_request"]?["decided_by"]?.string == "erin")
            #expect(approved.json?["model_version"]?["stage"]?.string == "Production")
            #expect(try await stage(api, base, 1) == "Production")
            #expect(try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "erin").status == .conflict, "already decided")

            let trail = try await api.call(.get, "\(base)/audit?object=transition_request:\(id)", as: "dave")
            #expect(
                trail.json?["entries"]?.array?.compactMap { $0["action"]?.string } == ["transition_request.approved", "transition_request.created"])
            #expect(
                try await api.call(.post, "\(base)/models/churn/versions/1/transitions", as: "carol", body: #"{"to_stage":"Archived"}"#).status
                    == .forbidden)
            #expect(try await move(api, base, 1, to: "Archived", as: "alice").status == .forbidden, "archiving needs approver")
            #expect(try await move(api, base, 1, to: "Archived", as: "dave").status == .ok)
            #expect(try await move(api, base, 1, to: "None", as: "dave").status == .forbidden, "restoring needs admin")
            #expect(try await move(api, base, 1, to: "None", as: "erin").status == .ok)
        }
    }

    @Test func exactlyOneOfTwoSimultaneousApprovalsSucceeds() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("race-approve")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base)
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            let id = try #require(try await move(api, base, 1, to: "Production", as: "alice").json?["transition_request"]?["id"]?.string)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for approver in ["dave", "erin", "dave", "erin"] {
                    group.addTask { try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: approver).status.code }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 409, 409, 409], "\(statuses)")
            let approvals = try await api.call(.get, "\(base)/audit?action=transition_request.approved", as: "dave")
            #expect(approvals.json?["entries"]?.array?.count == 1)
        }
    }

    @Test func aRequestOvertakenByAnotherChangeIsStale() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("stale")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base)
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            let id = try #require(try await move(api, base, 1, to: "Production", as: "alice").json?["transition_request"]?["id"]?.string)
            #expect(try await move(api, base, 1, to: "None", as: "bob").status == .ok)
            let stale = try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "dave")
            #expect(stale.status == .conflict)
            #expect(stale.json?["message"]?.string?.contains("stale") == true)
            #expect(try await stage(api, base, 1) == "None")
            #expect(
                try await api.call(.post, "\(base)/transition-requests/\(id)/cancel", as: "bob").status == .forbidden, "only the requester cancels")
            let cancelled = try await api.call(.post, "\(base)/transition-requests/\(id)/cancel", as: "alice")
            #expect(cancelled.json?["transition_request"]?["status"]?.string == "cancelled")
        }
    }

    @Test func archiveExistingAndTheSingleProductionSetting() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant(
            "single", settings: ["four_eyes_production": .bool(false), "single_production_version": .bool(true)])
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base, versions: 2)
            for v in [1, 2] { _ = try await move(api, base, v, to: "Staging", as: "alice") }
            #expect(try await move(api, base, 1, to: "Production", as: "alice").status == .forbidden, "Production needs approver")
            let direct = try await move(api, base, 1, to: "Production", as: "dave")
            #expect(direct.status == .ok, "four-eyes is off here: \(direct.text)")
            let second = try await move(api, base, 2, to: "Production", as: "dave")
            #expect(second.status == .conflict, "\(second.text)")
            let replaced = try await move(api, base, 2, to: "Production", as: "dave", archiveExisting: true)
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(replaced.json?["archived_versions"] == .array([.number(1)]))
            #expect(try await stage(api, base, 1) == "Archived")
            #expect(try await stage(api, base, 2) == "Production")
        }
        // The database refuses a second exclusive Production version even without the Swift check.
        await #expect(throws: (any Error).self) {
            try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query(
                    "UPDATE cairn.model_versions SET stage = 'Production', exclusive_production = true WHERE version = 1", logger: harness.db.logger)
            }
        }
    }

    @Test func theDatabaseRefusesSelfApprovalEvenWithoutSwift() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("self-approve")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base)
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            _ = try await move(api, base, 1, to: "Production", as: "dave")
        }
        await #expect(throws: (any Error).self) {
            try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query(
                    "UPDATE cairn.transition_requests SET status = 'approved', decided_by = requested_by, decided_at = now()",
                    logger: harness.db.logger)
            }
        }
    }

    @Test func badTransitionInputIsRefused() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("bad-stage")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await setUp(api, base)
            for body in [#"{"to_stage":"Live"}"#, #"{}"#, #"{"to_stage":"Staging","force":true}"#, #"{"to_stage":5}"#] {
                let reply = try await api.call(.post, "\(base)/models/churn/versions/1/transitions", as: "alice", body: body)
                #expect(reply.status == .badRequest, "\(body): \(reply.text)")
            }
            let missingVersion = try await api.call(
                .post, "\(base)/models/churn/versions/9/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
            #expect(missingVersion.status == .notFound)
            #expect(missingVersion.json?["message"]?.string?.contains("Version 9") == true, "\(missingVersion.text)")
            let missingModel = try await api.call(
                .post, "\(base)/models/no-such-model/versions/1/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
            #expect(missingModel.status == .notFound)
            #expect(missingModel.json?["message"]?.string?.contains("no-such-model") == true, "\(missingModel.text)")
            #expect(try await api.call(.post, "\(base)/transition-requests/not-a-uuid/approve", as: "dave").status == .notFound)
            #expect(try await api.call(.get, "\(base)/transition-requests?status=open", as: "carol").status == .badRequest)
            #expect(try await stage(api, base, 1) == "None")
        }
    }
}
