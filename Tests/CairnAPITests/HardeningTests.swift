import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnLDAP
import CairnOutbound
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Testing

/// Regressions for the defects of the outside review (issue 13): each test failed before its fix.
@Suite struct HardeningTests {
    private func move(_ api: APIClient, _ base: String, _ version: Int, to stage: String, as user: String, password: String? = nil)
        async throws -> Reply
    {
        try await api.call(
            .post, "\(base)/models/m/versions/\(version)/transitions", as: user, password: password, body: #"{"to_stage":"\#(stage)"}"#)
    }

    private func stagedRequest(_ api: APIClient, _ base: String, by user: String = "dave", password: String? = nil) async throws -> String {
        try await api.seedModel("m", versions: 1, tenantBase: base)
        _ = try await move(api, base, 1, to: "Staging", as: "alice")
        let requested = try await move(api, base, 1, to: "Production", as: user, password: password)
        guard requested.status == .accepted, let id = requested.json?["transition_request"]?["id"]?.string else {
            throw TestSetupError("no request: \(requested.text)")
        }
        return id
    }

    // 1. Four-eyes compares people, not spellings.
    @Test(arguments: ["DAVE", " dave", "dave ", "Dave"])
    func approvingYourOwnRequestUnderAnotherSpellingIsRefused(_ spelling: String) async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("spelling")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let id = try await stagedRequest(api, base)
            let own = try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: spelling, password: "dave-pw")
            #expect(own.status == .forbidden, "\(spelling.debugDescription): \(own.text)")
            #expect(try await api.call(.get, "\(base)/models/m/versions/1", as: "carol").json?["stage"]?.string == "Staging")
        }
    }

    @Test func aPersonIsRecordedUnderTheDirectorysNameWhateverTheyTyped() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("canonical")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let id = try await stagedRequest(api, base, by: " DAVE", password: "dave-pw")
            let request = try await api.call(.get, "\(base)/transition-requests?status=pending", as: "carol")
            #expect(request.json?["transition_requests"]?[0]?["requested_by"]?.string == "dave")
            let token = try await api.call(.post, "\(base)/tokens", as: "Dave", password: "dave-pw", body: #"{"name":"ci","role":"reader"}"#)
            #expect(token.json?["token"]?["owner"]?.string == "dave", "\(token.text)")
            let rejected = try await api.call(.post, "\(base)/transition-requests/\(id)/reject", as: "ERIN", password: "erin-pw")
            #expect(rejected.json?["transition_request"]?["decided_by"]?.string == "erin")
            let mine = try await api.call(.get, "\(base)/audit?actor=dave", as: "erin")
            let actions = Set(mine.json?["entries"]?.array?.compactMap { $0["action"]?.string } ?? [])
            #expect(actions.isSuperset(of: ["transition_request.created", "api_token.created"]), "\(mine.text)")
            let actors = try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query("SELECT DISTINCT actor FROM cairn.audit_log ORDER BY actor", logger: harness.db.logger)
                    .collect().map { try $0.decode(String.self) }
            }
            #expect(actors == ["alice", "dave", "erin", "test"], "test: the fixture that made the tenant")
        }
    }

    @Test func theDatabaseRefusesSelfApprovalUnderAnotherSpelling() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("spelling-db")
        try await harness.run { api in _ = try await stagedRequest(api, "/api/v1/tenants/\(tenant.slug)") }
        await #expect(throws: (any Error).self) {
            try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query(
                    "UPDATE cairn.transition_requests SET status = 'approved', decided_by = ' DAVE', decided_at = now()", logger: harness.db.logger)
            }
        }
    }

    // 2. One throttle budget per person, whatever the spacing.
    @Test func whitespaceVariantsShareOneLoginThrottle() async throws {
        let harness = try await APIHarness.make(userThrottle: .init(freeFailures: 3, baseDelay: .seconds(30), maxDelay: .seconds(30)))
        try await harness.run { api in
            var statuses: [Int] = []
            for spelling in ["alice", " alice", "alice ", "ALICE", " Alice "] {
                statuses.append(try await api.call(.get, "/api/v1/tenants", as: spelling, password: "guess").status.code)
            }
            #expect(statuses == [401, 401, 401, 401, 429], "\(statuses)")
            #expect(try await api.call(.get, "/api/v1/tenants", as: "alice ").status == .tooManyRequests)
        }
    }

    // 3. A request is bound to the version as it was, not only to its stage.
    @Test func aRoundTripThroughAnotherStageMakesARequestStale() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("round-trip")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let id = try await stagedRequest(api, base, by: "alice")
            #expect(try await move(api, base, 1, to: "None", as: "bob").status == .ok)
            #expect(try await move(api, base, 1, to: "Staging", as: "bob").status == .ok)
            let stale = try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "dave")
            #expect(stale.status == .conflict, "\(stale.text)")
            #expect(stale.json?["message"]?.string?.contains("stale") == true)
            #expect(try await api.call(.get, "\(base)/models/m/versions/1", as: "carol").json?["stage"]?.string == "Staging")
        }
    }

    @Test func aNewMetricAfterTheRequestMakesItStale() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("metric-stale")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let id = try await stagedRequest(api, base, by: "alice")
            let added = try await api.call(
                .patch, "\(base)/models/m/versions/1", as: "bob", body: #"{"metrics":[{"dataset":"q4","key":"auc","value":0.5}]}"#)
            #expect(added.status == .ok, "\(added.text)")
            #expect(try await api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "dave").status == .conflict)
        }
    }

    // 4. What was approved stays as it was approved.
    @Test func metricsOfAVersionThatLeftNoneAreAppendOnly() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("append-only")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let auc = #"{"metrics":[{"dataset":"holdout","key":"auc","value":0.91}]}"#
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            #expect(try await api.call(.patch, "\(base)/models/m/versions/1", as: "alice", body: auc).status == .ok)
            let corrected = try await api.call(
                .patch, "\(base)/models/m/versions/1", as: "alice", body: #"{"metrics":[{"dataset":"holdout","key":"auc","value":0.92}]}"#)
            #expect(corrected.status == .ok, "in None a value may still be corrected")
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            let overwrite = try await api.call(
                .patch, "\(base)/models/m/versions/1", as: "alice", body: #"{"metrics":[{"dataset":"holdout","key":"auc","value":0.99}]}"#)
            #expect(overwrite.status == .conflict, "\(overwrite.text)")
            #expect(overwrite.json?["message"]?.string?.contains("append-only") == true)
            let resent = try await api.call(
                .patch, "\(base)/models/m/versions/1", as: "alice", body: #"{"metrics":[{"dataset":"holdout","key":"auc","value":0.92}]}"#)
            #expect(resent.status == .ok, "re-sending the recorded value is a no-op")
            let appended = try await api.call(
                .patch, "\(base)/models/m/versions/1", as: "alice", body: #"{"metrics":[{"dataset":"holdout@2026-12","key":"auc","value":0.88}]}"#)
            #expect(appended.status == .ok)
            let metrics = try await api.call(.get, "\(base)/models/m/versions/1", as: "carol").json?["metrics"]?.array ?? []
            #expect(Set(metrics.compactMap { $0["value"]?.number }) == [0.92, 0.88])
            let audit = try await api.call(.get, "\(base)/audit?action=model_version.updated", as: "dave")
            #expect(audit.json?["entries"]?.array?.count == 4, "every accepted change is audited")
        }
        for statement: PostgresQuery in [
            "UPDATE cairn.version_metrics SET value = 0.5", "DELETE FROM cairn.version_metrics WHERE dataset = 'holdout'",
        ] {
            await #expect(throws: (any Error).self, "\(statement.sql)") {
                try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                    try await connection.query(statement, logger: harness.db.logger)
                }
            }
        }
    }

    @Test func onlyAnApproverChangesAProductionCardAndTheGateStillHolds() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant(
            "prod-card", settings: ["four_eyes_production": .bool(false), "required_card_fields": .array([.string("intended_use")])])
        let base = "/api/v1/tenants/\(tenant.slug)"
        let card = "\(base)/models/m/versions/1/model-card"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            #expect(try await api.call(.put, card, as: "alice", body: #"{"intended_use":"triage"}"#).status == .ok)
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            #expect(try await move(api, base, 1, to: "Production", as: "dave").status == .ok)
            let byContributor = try await api.call(.put, card, as: "alice", body: #"{"intended_use":"anything"}"#)
            #expect(byContributor.status == .forbidden, "\(byContributor.text)")
            let emptied = try await api.call(.put, card, as: "dave", body: #"{"limitations":"none"}"#)
            #expect(emptied.status == .conflict, "the card gate applies to a Production card's edit: \(emptied.text)")
            #expect(try await api.call(.put, card, as: "dave", body: #"{"intended_use":"triage only"}"#).status == .ok)
            #expect(try await api.call(.get, card, as: "carol").json?["intended_use"]?.string == "triage only")
        }
        await #expect(throws: (any Error).self, "a writer that does not state an approver's role is refused") {
            try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query("UPDATE cairn.model_versions SET model_card = '{}'", logger: harness.db.logger)
            }
        }
    }

    // 5. READY with files only through finalize.
    @Test func patchingStatusToReadyCannotSkipFinalize() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("skip-finalize")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 0, tenantBase: base)
            #expect(
                try await api.call(.post, "\(base)/models/m/versions", as: "alice", body: #"{"status":"PENDING_REGISTRATION"}"#).status == .created)
            #expect(try await api.upload("\(base)/models/m/versions/1/files/model.bin", bytes: [1, 2, 3], as: "alice").status == .created)
            let patched = try await api.call(.patch, "\(base)/models/m/versions/1", as: "alice", body: #"{"status":"READY"}"#)
            #expect(patched.status == .conflict, "\(patched.text)")
            #expect(try await api.call(.get, "\(base)/models/m/versions/1", as: "carol").json?["status"]?.string == "PENDING_REGISTRATION")
            await #expect(throws: (any Error).self) {
                try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                    try await connection.query("UPDATE cairn.model_versions SET status = 'READY'", logger: harness.db.logger)
                }
            }
            let finalized = try await api.call(.post, "\(base)/models/m/versions/1/finalize", as: "alice")
            #expect(finalized.json?["status"]?.string == "READY", "\(finalized.text)")
            let events = try await api.call(.get, "\(base)/audit?action=model_version.finalized", as: "dave")
            #expect(events.json?["entries"]?.array?.count == 1)
        }
    }

    // 6. A Production version is never cascaded away.
    @Test func theDatabaseRefusesToDeleteAModelWithAProductionVersion() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("cascade", settings: ["four_eyes_production": .bool(false)])
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            _ = try await move(api, base, 1, to: "Staging", as: "alice")
            #expect(try await move(api, base, 1, to: "Production", as: "dave").status == .ok)
        }
        await #expect(throws: (any Error).self) {
            try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
                try await connection.query("DELETE FROM cairn.registered_models", logger: harness.db.logger)
            }
        }
        let left = try await harness.db.database.withTenant(tenant.id, logger: harness.db.logger) { connection in
            try await connection.query("SELECT count(*)::int FROM cairn.model_versions", logger: harness.db.logger).collect().first?.decode(Int.self)
        }
        #expect(left == 1)
    }

    @Test func aModelDeleteRacingAnApprovalNeverLosesTheProductionVersion() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("delete-race")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            for round in 0..<5 {
                let name = "m\(round)"
                try await api.seedModel(name, versions: 1, tenantBase: base)
                _ = try await api.call(.post, "\(base)/models/\(name)/versions/1/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
                let requested = try await api.call(
                    .post, "\(base)/models/\(name)/versions/1/transitions", as: "alice", body: #"{"to_stage":"Production"}"#)
                let id = try #require(requested.json?["transition_request"]?["id"]?.string)
                async let approval = api.call(.post, "\(base)/transition-requests/\(id)/approve", as: "dave")
                async let deletion = api.call(.delete, "\(base)/models/\(name)", as: "erin")
                let (approved, deleted) = try await (approval, deletion)
                #expect(approved.status != .ok || deleted.status == .conflict, "round \(round): \(approved.status) \(deleted.status)")
                #expect(deleted.status.code < 500 && approved.status.code < 500)
            }
        }
    }

    // 7. Settings merge under the row lock.
    @Test func concurrentSettingsChangesOfDifferentKeysBothSurvive() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("settings-race")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            for round in 0..<6 {
                let flag = round % 2 == 0
                async let first = api.call(.patch, "\(base)/settings", as: "erin", body: #"{"single_production_version":\#(flag)}"#)
                async let second = api.call(.patch, "\(base)/settings", as: "erin", body: #"{"protected_aliases":["p\#(round)"]}"#)
                let (a, b) = try await (first, second)
                #expect(a.status == .ok && b.status == .ok)
                let tenants = try await api.call(.get, "/api/v1/tenants", as: "erin").json?["tenants"]?.array ?? []
                let settings = tenants.first { $0["slug"]?.string == tenant.slug.value }?["settings"]
                #expect(settings?["single_production_version"] == .bool(flag), "round \(round): \(settings.map { "\($0)" } ?? "")")
                #expect(settings?["protected_aliases"] == .array([.string("p\(round)")]), "round \(round)")
            }
        }
    }

    // 8. A YAML alias bomb is refused before anything is built.
    @Test func aYAMLAliasBombIsRefusedAtOnce() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("yaml-bomb")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let bomb = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            intended_use: *i
            """
        let keyBomb = "x: &x [1, 2]\n? *x\n: y\n"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            let path = "\(base)/models/m/versions/1/model-card"
            let authorization = "Basic " + Data("alice:alice-pw".utf8).base64EncodedString()
            for body in [bomb, keyBomb, "intended_use: &v triage\nlimitations: *v\n", "intended_use: !!binary aGk=\n"] {
                let reply = try await api.send(.put, path, authorization: authorization, body: body, contentType: "application/yaml")
                #expect(reply.status == .badRequest, "\(reply.text)")
            }
            let ok = try await api.send(
                .put, path, authorization: authorization, body: "intended_use: triage\nreview_by: 2027-03-31\nlimitations: ~\n",
                contentType: "application/yaml")
            #expect(ok.status == .ok, "\(ok.text)")
            #expect(ok.json?["review_by"]?.string == "2027-03-31")
            #expect(ok.json?["limitations"] == nil)
        }
    }

    // Also: URLs decoded once, in one place.
    @Test func aPlusInTheQueryStringIsASpace() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("plus")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 2, tenantBase: base)
            _ = try await api.call(
                .patch, "\(base)/models/m/versions/2", as: "alice", body: #"{"metrics":[{"dataset":"","key":"auc","value":0.95}]}"#)
            for filter in ["metrics.auc+%3E+0.9", "metrics.auc%20%3E%200.9", "metrics.auc+>+0.9"] {
                let found = try await api.call(.get, "\(base)/versions?filter=\(filter)", as: "carol")
                #expect(found.status == .ok, "\(filter): \(found.text)")
                #expect(found.json?["model_versions"]?.array?.compactMap { $0["version"]?.number } == [2], "\(filter): \(found.text)")
            }
        }
    }

    @Test(arguments: ["fraud detector", "детектор мошенничества"])
    func modelNamesThatNeedPercentEncodingAreReachable(_ name: String) async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("encoded")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let path = "\(base)/models/\(q(name))"
        try await harness.run { api in
            let created = try await api.call(.post, "\(base)/models", as: "alice", json: .object(["name": .string(name)]))
            #expect(created.status == .created, "\(created.text)")
            let fetched = try await api.call(.get, path, as: "carol")
            #expect(fetched.status == .ok, "\(fetched.text)")
            #expect(fetched.json?["name"]?.string == name)
            #expect(try await api.call(.post, "\(path)/versions", as: "alice", body: "{}").status == .created)
            #expect(try await api.call(.get, "\(path)/versions/1", as: "carol").json?["model"]?.string == name)
            #expect(try await api.call(.get, "\(base)/models/\(q(name))%ZZ", as: "carol").status == .badRequest)
        }
    }

    // 9. Probes need no credentials, so they must cost little and never crowd out logins.
    @Test func fiveHundredConcurrentProbesLeaveLoginsWorking() async throws {
        var ldap = try TestEnvironment.ldapConfiguration()
        ldap.maxConcurrentOperations = 2
        let harness = try await APIHarness.make(cacheTTL: .zero, ldap: ldap)
        try await harness.run { api in
            let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for index in 0..<500 {
                    group.addTask { ("probe", try await api.call(.get, index % 2 == 0 ? "/readyz" : "/metrics", as: nil).status.code) }
                    if index % 50 == 0 { group.addTask { ("login", try await api.call(.get, "/api/v1/tenants", as: "alice").status.code) } }
                }
                return try await group.reduce(into: [String: [Int]]()) { $0[$1.0, default: []].append($1.1) }
            }
            #expect(statuses["probe"]?.allSatisfy { $0 == 200 } == true, "\(Set(statuses["probe"] ?? []))")
            #expect(statuses["login"] == Array(repeating: 200, count: 10), "\(statuses["login"] ?? [])")
        }
    }

    // 14. Events and audit snapshots carry only what their reader may see.
    @Test func readersEventsCarryNoPolicyAndNoLegalHoldReason() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("redact")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 2, tenantBase: base)
            #expect(
                try await api.call(.put, "\(base)/retention-policies", as: "erin", body: #"{"rules":[{"name":"keep","keep_last":7}]}"#).status == .ok)
            let held = try await api.call(
                .put, "\(base)/models/m/versions/1/legal-hold", as: "erin", body: #"{"held":true,"reason":"Matter 2026-114"}"#)
            #expect(held.status == .ok, "\(held.text)")
            let path = "\(base)/events?after=0&type=retention_policy.*,model_version.legal_hold_placed&limit=2"
            let asReader = try await api.call(.get, path, as: "carol").text
            let asApprover = try await api.call(.get, path, as: "dave").text
            #expect(
                asReader.contains("event: retention_policy.updated") && asReader.contains("event: model_version.legal_hold_placed"), "\(asReader)")
            #expect(!asReader.contains("keep_last") && !asReader.contains("Matter 2026-114"), "\(asReader)")
            #expect(asApprover.contains("keep_last") && asApprover.contains("Matter 2026-114"), "\(asApprover)")
        }
    }

    @Test func webhookURLsInTheAuditLogHideTheirCredentials() async throws {
        let harness = try await APIHarness.make(outbound: try OutboundPolicy(parsing: "hooks.example.com"))
        let tenant = try await harness.db.makeTenant("redact-url")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let created = try await api.call(
                .post, "\(base)/webhooks", as: "erin",
                body: #"{"url":"https://hooks.example.com/in?token=abc123","event_types":["model_version.*"]}"#)
            #expect(created.status == .created, "\(created.text)")
            let audit = try await api.call(.get, "\(base)/audit?action=webhook.created", as: "dave")
            let url = audit.json?["entries"]?[0]?["after"]?["url"]?.string
            #expect(url == "https://hooks.example.com/in?redacted", "\(audit.text)")
            #expect(!audit.text.contains("abc123"))
        }
    }

    // 12. A stream ends once its caller may no longer read the tenant.
    private func streamUntilEnd(
        _ api: APIClient, _ path: String, authorization: String, whileOpen change: @escaping @Sendable () async throws -> Void
    )
        async throws -> String
    {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await api.send(.get, path, authorization: authorization, body: nil).text }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                try await change()
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return "still open after 20 s"
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let text = result { return text }
            }
            return ""
        }
    }

    @Test func aRevokedTokensEventStreamEnds() async throws {
        let harness = try await APIHarness.make(cacheTTL: .zero, heartbeat: .milliseconds(200), accessRecheck: .milliseconds(200))
        let tenant = try await harness.db.makeTenant("sse-token")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let created = try await api.call(.post, "\(base)/tokens", as: "alice", body: #"{"name":"stream","role":"reader"}"#)
            let secret = try #require(created.json?["secret"]?.string)
            let id = try #require(created.json?["token"]?["id"]?.string)
            let text = try await streamUntilEnd(api, "\(base)/events", authorization: "Bearer \(secret)") {
                _ = try await api.call(.delete, "\(base)/tokens/\(id)", as: "alice")
            }
            #expect(text.contains("event: access_revoked"), "\(text)")
        }
    }

    @Test func aPersonWhoseGroupLostItsBindingLosesTheEventStream() async throws {
        let harness = try await APIHarness.make(cacheTTL: .zero, heartbeat: .milliseconds(200), accessRecheck: .milliseconds(200))
        let tenant = try await harness.db.makeTenant("sse-binding")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let authorization = "Basic " + Data("alice:alice-pw".utf8).base64EncodedString()
            let text = try await streamUntilEnd(api, "\(base)/events", authorization: authorization) {
                let onlyAdmins = #"{"role_bindings":[{"group":"\#(DirectoryFixture.admins.normalized)","role":"admin"}]}"#
                let replaced = try await api.call(.put, "\(base)/role-bindings", as: "erin", body: onlyAdmins)
                guard replaced.status == .ok else { throw TestSetupError("bindings not replaced: \(replaced.text)") }
            }
            #expect(text.contains("event: access_revoked"), "\(text)")
        }
    }

    // 10. Streams per caller are bounded.
    @Test func onePersonsOpenStreamsAreBounded() async throws {
        let harness = try await APIHarness.make(maxStreamsPerCaller: 2)
        let tenant = try await harness.db.makeTenant("stream-quota")
        let path = "/api/v1/tenants/\(tenant.slug)/events"
        try await harness.run { api in
            let statuses = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        _ = try await api.call(.get, path, as: "alice"); return nil
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                let third = try await api.call(.get, path, as: " Alice", password: "alice-pw")
                let other = try await api.call(.get, "\(path)?limit=0", as: "bob")
                group.cancelAll()
                return [third.status.code, other.status.code]
            }
            #expect(statuses == [429, 200], "a third stream of alice's is refused; bob is not affected")
        }
    }

    // Found by schemathesis (ops/fuzz): a version number past PostgreSQL's integer answered 500.
    @Test func versionNumbersPastTheDatabasesIntegerAreClientErrors() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("bigversion")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            for path in ["versions/2974447566/transition-requests", "versions/2974447566", "versions/99999999999999999999/deployments"] {
                let answer = try await api.call(.get, "\(base)/models/m/\(path)", as: "carol")
                #expect(answer.status == .badRequest, "\(path): \(answer.status) \(answer.text)")
                #expect(answer.json?["error_code"]?.string == "INVALID_PARAMETER_VALUE", "\(answer.text)")
            }
            let alias = try await api.call(.put, "\(base)/models/m/aliases/champion", as: "alice", body: #"{"version":2974447566}"#)
            #expect(alias.status == .badRequest, "\(alias.text)")
        }
    }

    // Found by schemathesis (ops/fuzz): PostgreSQL stores no NUL character, in text or in jsonb; that answered 500.
    @Test func aNULCharacterAnywhereIsAClientError() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("nul")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            let attempts: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/api/v1/tenants", "pat", #"{"slug":"nul-settings","display_name":"x","settings":{"\u0000":[]}}"#),
                (.post, "\(base)/models", "alice", #"{"name":"m2","description":"a\u0000b"}"#),
                (.patch, "\(base)/models/m", "alice", #"{"tags":{"k":"\u0000"}}"#),
            ]
            for (method, path, user, body) in attempts {
                let answer = try await api.call(method, path, as: user, body: body)
                #expect(answer.status == .badRequest, "\(path): \(answer.status) \(answer.text)")
            }
            let models = try await api.call(.get, "\(base)/models", as: "carol")
            #expect(models.json?["registered_models"]?.array?.count == 1, "nothing half-written: \(models.text)")
        }
    }
}
