import CairnAPI
import CairnApp
import CairnCore
import CairnHTTPKit
import CairnJobs
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// The retention API: policies validated with clear errors, previews that change nothing, purging by hand, and
/// the recorded runs.
@Suite struct RetentionAPITests {
    @Test func policiesAreValidatedWithClearErrorsAndNothingInvalidIsSaved() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("ret-policy")
        let path = "/api/v1/tenants/\(tenant.slug)/retention-policies"
        try await harness.run { api in
            let refusals = [
                (#"{"rules":[{"name":"k","keep_lst":5}]}"#, "Unknown rule field 'keep_lst'"),
                (#"{"rules":[{"name":"k"}]}"#, "Rule 'k' does nothing"),
                (#"{"rules":[{"name":"k","keep_last":0}]}"#, "'keep_last' must be between 1 and 10000"),
                (#"{"rules":[{"name":"a","keep_last":1},{"name":"a","keep_last":2}]}"#, "Two rules are named 'a'"),
                (#"{"rules":[{"name":"k","purge_after_days":"soon"}]}"#, "Malformed request body"),
                (#"{"rules":[],"deployment_protection_days":-1}"#, "'deployment_protection_days' must be between 0 and 3650"),
                (#"{"rules":[],"retention":"forever"}"#, "Unknown field 'retention'"),
                ("[]", "must be a JSON object"),
            ]
            for (body, message) in refusals {
                let reply = try await api.call(.put, path, as: "erin", body: body)
                #expect(reply.status == .badRequest, "\(body): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == "INVALID_PARAMETER_VALUE")
                #expect(reply.text.contains(message), "\(body): \(reply.text)")
            }
            let empty = try await api.call(.get, path, as: "dave")
            #expect(empty.json?["revision"]?.number == 0 && empty.json?["rules"]?.array?.isEmpty == true, "\(empty.text)")

            let saved = try await api.call(
                .put, path, as: "erin", body: #"{"rules":[{"name":"keep ten","models":"fraud-*","tag":{"key":"team"},"keep_last":10}]}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(saved.json?["revision"]?.number == 1 && saved.json?["updated_by"]?.string == "erin")
            #expect(saved.json?["deployment_protection_days"]?.number == 30)
            #expect(saved.json?["rules"]?[0]?["tag"]?["key"]?.string == "team")
            let again = try await api.call(.put, path, as: "erin", body: #"{"rules":[],"deployment_protection_days":7}"#)
            #expect(again.json?["revision"]?.number == 2 && again.json?["deployment_protection_days"]?.number == 7)
            let audit = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/audit?action=retention_policy.updated", as: "dave")
            #expect(audit.json?["entries"]?.array?.count == 2, "\(audit.text)")
        }
    }

    @Test func aPreviewOfADraftChangesNothingAndShowsWhatProtectionHolds() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeModel("ret-preview", versions: 4, status: .ready)
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            #expect(
                try await api.call(.post, "\(base)/models/m/versions/2/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#).status == .ok)
            let draft = #"{"policy":{"rules":[{"name":"keep one","keep_last":1}]}}"#
            let preview = try await api.call(.post, "\(base)/retention/preview", as: "dave", body: draft)
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.json?["policy_revision"] == .null && preview.json?["versions"]?.number == 4)
            let actions = preview.json?["actions"]?.array?.map { "\($0["version"]?.number ?? 0) \($0["kind"]?.string ?? "")" }
            #expect(actions == ["1.0 archive", "3.0 archive"], "\(preview.text)")
            #expect(preview.json?["held"]?[0]?["protection"]?.string == "in Staging")
            #expect(preview.json?["counts"]?["archive"]?.number == 2)
            #expect(try await api.call(.get, "\(base)/models/m/versions/1", as: "carol").json?["stage"]?.string == "None")
            #expect(try await api.call(.get, "\(base)/retention-policies", as: "dave").json?["revision"]?.number == 0, "the draft was not saved")
            // The stored policy (none yet) plans nothing.
            #expect(try await api.call(.post, "\(base)/retention/preview", as: "dave").json?["actions"]?.array?.isEmpty == true)
            #expect(try await api.call(.post, "\(base)/retention/preview", as: "alice", body: draft).status == .forbidden)
        }
    }

    @Test func onlyAnAdminPurgesByHandAndOnlyAnArchivedUnprotectedVersion() async throws {
        let harness = try await APIHarness.make()
        let db = harness.db
        let tenant = try await db.makeModel("ret-purge", versions: 2)
        let file = try await harness.artifacts.put(Array("weights".utf8), at: "model.bin", version: 1, in: tenant, logger: db.logger)
        _ = try await harness.artifacts.finalize(version: 1, of: "m", in: tenant, by: "t", logger: db.logger)
        let base = "/api/v1/tenants/\(tenant.slug)/models/m/versions"
        try await harness.run { api in
            let notArchived = try await api.call(.post, "\(base)/1/purge", as: "erin")
            #expect(notArchived.status == .conflict && notArchived.text.contains("Only an archived version"), "\(notArchived.text)")
            #expect(try await api.call(.post, "\(base)/1/transitions", as: "dave", body: #"{"to_stage":"Archived"}"#).status == .ok)
            #expect(try await api.call(.post, "\(base)/1/purge", as: "dave").status == .forbidden)
            #expect(try await api.call(.post, "\(base)/1/purge", as: "erin", body: #"{"comment":"x","force":true}"#).status == .badRequest)
            #expect(try await api.call(.put, "\(base)/1/legal-hold", as: "erin", body: #"{"held":true,"reason":"matter 7"}"#).status == .ok)
            let held = try await api.call(.post, "\(base)/1/purge", as: "erin")
            #expect(held.status == .conflict && held.text.contains("under legal hold"), "\(held.text)")
            #expect(try await api.call(.put, "\(base)/1/legal-hold", as: "erin", body: #"{"held":false}"#).status == .ok)

            let purged = try await api.call(.post, "\(base)/1/purge", as: "erin", body: #"{"comment":"superseded"}"#)
            #expect(purged.status == .ok, "\(purged.text)")
            #expect(purged.json?["purged_by"]?.string == "erin" && purged.json?["purged_at"]?.string != nil)
            #expect(purged.json?["files_digest"]?.string != nil, "the tombstone keeps its digest")
            let download = try await api.call(.get, "\(base)/1/files/model.bin", as: "carol")
            #expect(download.status == .gone && download.errorCode == "RESOURCE_GONE", "\(download.status) \(download.text)")
            let listing = try await api.call(.get, "\(base)/1/files", as: "carol")
            #expect(listing.json?["files"]?[0]?["sha256"]?.string == file.digest.hex, "the file list stays as the record")
            #expect(try await api.call(.post, "\(base)/1/purge", as: "erin").status == .conflict)
            let restore = try await api.call(.post, "\(base)/1/transitions", as: "erin", body: #"{"to_stage":"None"}"#)
            #expect(restore.status == .conflict && restore.text.contains("stays archived"), "\(restore.text)")

            #expect(try await api.call(.post, "\(base)/2/transitions", as: "dave", body: #"{"to_stage":"Archived"}"#).status == .ok)
            let latest = try await api.call(.post, "\(base)/2/purge", as: "erin")
            #expect(latest.status == .conflict && latest.text.contains("the latest version of its model"), "\(latest.text)")
            let audit = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/audit?action=model_version.purged", as: "dave")
            #expect(audit.json?["entries"]?.array?.count == 1, "\(audit.text)")
            #expect(audit.json?["entries"]?[0]?["after"]?["comment"]?.string == "superseded")
        }
    }

    @Test func runsAreRecordedAndReadableButNeverAcrossTenants() async throws {
        let harness = try await APIHarness.make()
        let db = harness.db
        let tenant = try await db.makeModel("ret-runs", versions: 5, status: .ready)
        let other = try await db.makeModel("ret-runs-other", versions: 2, status: .ready)
        let store = PostgresRetentionStore(database: db.database)
        var runIDs: [UUID] = []
        for scope in [tenant, other] {
            _ = try await store.setPolicy(
                try RetentionPolicy(rules: [try RetentionRule(name: "keep two", keepLast: 2)]), in: scope, by: Actor(username: "erin"),
                logger: db.logger)
            let runner = RetentionRunner(store: store, artifacts: harness.artifacts, settings: .init(batchSize: 2), owner: "test")
            runIDs.append(try #require(try await runner.run(.manual(by: Actor(username: "erin")), tenant: scope, logger: db.logger)).id)
        }
        let base = "/api/v1/tenants/\(tenant.slug)/retention/runs"
        let ids = runIDs
        try await harness.run { api in
            let list = try await api.call(.get, base, as: "dave")
            #expect(list.json?["runs"]?.array?.count == 1)
            let run = try #require(list.json?["runs"]?[0])
            #expect(run["state"]?.string == "completed" && run["trigger"]?.string == "manual" && run["acting_as"]?.string == "erin")
            #expect(run["counts"]?["archived"]?.number == 3 && run["counts"]?["planned"]?.number == 3)

            let first = try await api.call(.get, "\(base)/\(ids[0].uuidString.lowercased())?max_results=2", as: "dave")
            #expect(first.json?["actions"]?.array?.map { $0["version"]?.number ?? 0 } == [1, 2], "\(first.text)")
            let token = try #require(first.json?["next_page_token"]?.string)
            let second = try await api.call(.get, "\(base)/\(ids[0].uuidString.lowercased())?max_results=2&page_token=\(token)", as: "dave")
            #expect(second.json?["actions"]?.array?.map { $0["version"]?.number ?? 0 } == [3])
            #expect(second.json?["actions"]?[0]?["state"]?.string == "done")
            #expect(second.json?["next_page_token"] == .null)

            // Another tenant's run id, asked for in one's own tenant, does not exist here.
            let foreign = try await api.call(.get, "\(base)/\(ids[1].uuidString.lowercased())", as: "erin")
            #expect(foreign.status == .notFound && foreign.errorCode == "RESOURCE_DOES_NOT_EXIST")
            #expect(try await api.call(.get, "\(base)/not-a-uuid", as: "erin").status == .notFound)
            #expect(try await api.call(.get, "\(base)/\(ids[0].uuidString.lowercased())?max_results=0", as: "erin").status == .badRequest)
            #expect(try await api.call(.get, "\(base)?page_token=forged", as: "erin").status == .badRequest)
        }
    }
}
