import CairnCore
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// The console's tenant pages over HTTP, against the real server, database and directory: what each role is
/// offered, that the server refuses the rest anyway, that the numbers match the API, and that user input comes back
/// escaped on every page.
@Suite(.serialized) struct ConsolePageTests {
    static let injection = #"<script>alert(1)</script>"#

    /// Model `name` with versions 1…`versions` registered through the API as alice, with lineage and metrics.
    static func seed(_ api: APIClient, tenant: String, name: String, versions: Int, description: String = "", tag: String = "x")
        async throws
    {
        let base = "/api/v1/tenants/\(tenant)/models"
        let created = try await api.call(
            .post, base, as: "alice",
            json: .object(["name": .string(name), "description": .string(description), "tags": .object(["team": .string(tag)])]))
        #expect(created.status == .created, "\(created.text)")
        let path = base + "/" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        for number in 1...versions {
            let version = try await api.call(
                .post, path + "/versions", as: "alice",
                json: .object([
                    "lineage": .object([
                        "code_repository": .string("https://git.example.com/ml/churn"), "code_commit": .string("0a1b2c3d4e5f"),
                        "dataset_uri": .string("s3://data/churn/2026-10"), "dataset_digest": .string("sha256:feed"),
                    ]),
                    "hyperparameters": .object(["max_depth": .number(Double(4 + number)), "note": .string(tag)]),
                    "metrics": .array([
                        .object(["dataset": .string("eval"), "key": .string("accuracy"), "value": .number(0.8 + Double(number) / 100)]),
                        .object(["dataset": .string("eval"), "key": .string("demographic_parity"), "value": .number(0.03)]),
                    ]),
                ]))
            #expect(version.status == .created, "\(version.text)")
        }
    }

    static func stage(_ api: APIClient, tenant: String, model: String, version: Int, to stage: String, as user: String) async throws {
        let reply = try await api.call(
            .post, "/api/v1/tenants/\(tenant)/models/\(model)/versions/\(version)/transitions", as: user,
            json: .object(["to_stage": .string(stage)]))
        #expect(reply.status == .ok || reply.status == .accepted, "\(stage): \(reply.status) \(reply.text)")
    }

    @Test func aContributorRequestsProductionAndADifferentApproverApprovesIt() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("console")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "churn", versions: 2)
            try await Self.stage(api, tenant: slug, model: "churn", version: 2, to: "Staging", as: "alice")
            let versionPage = "/ui/t/\(slug)/models/churn/versions/2"

            // The reader sees the version but is offered no stage change, and a forged form is refused.
            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let asReader = try await carol.get(versionPage)
            #expect(asReader.status == .ok)
            #expect(!asReader.text.contains(#"id="stage-form""#))
            #expect(asReader.text.contains("Your role offers no stage change"))
            #expect(!asReader.text.contains(#"id="audit""#), "the audit trail is the approvers'")
            let forged = try await carol.post(versionPage + "/stage", [("stage", "Production")])
            #expect(forged.status == .forbidden)

            // The contributor is offered a request (four-eyes), not a move.
            var alice = ConsoleBrowser(api)
            _ = try await alice.signIn("alice")
            let asContributor = try await alice.get(versionPage)
            #expect(asContributor.text.contains("Request Production"))
            #expect(!asContributor.text.contains("Move to Production"))
            let noToken = try await alice.post(versionPage + "/stage", [("stage", "Production")], csrf: false)
            #expect(noToken.status == .forbidden)
            let requested = try await alice.post(versionPage + "/stage", [("stage", "Production"), ("comment", "beats v1 on eval")])
            #expect(requested.status == .seeOther)
            #expect(requested.headers[.location] == versionPage + "?done=requested")
            let afterRequest = try await alice.get(versionPage)
            #expect(afterRequest.text.contains("Waiting for approval"))

            // The requester is told why they cannot approve; the reader sees no decision buttons.
            let inboxForAlice = try await alice.get("/ui/t/\(slug)/approvals")
            #expect(inboxForAlice.text.contains("churn v2"))
            #expect(inboxForAlice.text.contains("beats v1 on eval"))
            #expect(!inboxForAlice.text.contains(">Approve<"))
            #expect(inboxForAlice.text.contains("Cancel this request"), "the requester may withdraw it")
            let inboxForCarol = try await carol.get("/ui/t/\(slug)/approvals")
            #expect(!inboxForCarol.text.contains(">Approve<"))
            #expect(inboxForCarol.text.contains("Deciding needs the approver role"))
            let pending = try await api.call(.get, "/api/v1/tenants/\(slug)/transition-requests?status=pending", as: "carol")
            let requestID = try #require(pending.json?["transition_requests"]?.array?.first?["id"]?.string)
            let readerApproves = try await carol.post("/ui/t/\(slug)/approvals/\(requestID)/approve", [])
            #expect(readerApproves.status == .forbidden, "the server refuses what the page does not offer")

            // dave approves with a comment; the version is in Production and the dashboard says so.
            var dave = ConsoleBrowser(api)
            _ = try await dave.signIn("dave")
            let inboxForDave = try await dave.get("/ui/t/\(slug)/approvals")
            #expect(inboxForDave.text.contains(">Approve<"))
            #expect(inboxForDave.text.contains("demographic_parity"))
            let approved = try await dave.post("/ui/t/\(slug)/approvals/\(requestID)/approve", [("comment", "ok by model risk")])
            #expect(approved.status == .seeOther)
            let version = try await api.call(.get, "/api/v1/tenants/\(slug)/models/churn/versions/2", as: "carol")
            #expect(version.json?["stage"]?.string == "Production")
            let again = try await dave.post("/ui/t/\(slug)/approvals/\(requestID)/approve", [])
            #expect(again.status == .conflict, "a decided request cannot be decided twice: \(again.status)")

            let dashboard = try await carol.get("/ui/t/\(slug)")
            #expect(dashboard.status == .ok)
            let production = try #require(dashboard.text.range(of: #"<table class="list" id="production">"#))
            #expect(dashboard.text[production.upperBound...].contains("churn"))
            #expect(dashboard.text.contains("churn v2: Production approved"))
            #expect(dashboard.text.contains("churn v2 moved to Staging"))
            #expect(dashboard.text.contains(#"data-count="pending">0<"#))

            // The approver sees the version's audit trail, with the request and its approval.
            let asApprover = try await dave.get(versionPage)
            #expect(asApprover.text.contains(#"id="audit""#))
            #expect(asApprover.text.contains("transition_request.approved"))
        }
    }

    @Test func theDashboardCountsMatchTheAPI() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("counts")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "a", versions: 3)
            try await Self.seed(api, tenant: slug, name: "b", versions: 2)
            try await Self.stage(api, tenant: slug, model: "a", version: 1, to: "Staging", as: "alice")
            try await Self.stage(api, tenant: slug, model: "a", version: 2, to: "Staging", as: "alice")
            try await Self.stage(api, tenant: slug, model: "b", version: 1, to: "Archived", as: "dave")
            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let dashboard = try await carol.get("/ui/t/\(slug)")
            #expect(dashboard.status == .ok)
            for stage in Stage.allCases {
                let filter = "stage = '\(stage.rawValue)'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let listed = try await api.call(.get, "/api/v1/tenants/\(slug)/versions?filter=\(filter)&max_results=1000", as: "carol")
                let count = listed.json?["model_versions"]?.array?.count ?? -1
                #expect(dashboard.text.contains(#"data-count="\#(stage.rawValue)">\#(count)<"#), "\(stage): API says \(count)")
            }
            let models = try await api.call(.get, "/api/v1/tenants/\(slug)/models?max_results=1000", as: "carol")
            let modelCount = models.json?["registered_models"]?.array?.count ?? -1
            #expect(modelCount == 2)
            #expect(dashboard.text.contains(#"data-count="models">\#(modelCount)<"#))
            #expect(dashboard.text.contains("No version is in Production yet."))
        }
    }

    @Test func theModelsListSearchesFiltersAndPages() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("list")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "churn-eu", versions: 1)
            try await Self.seed(api, tenant: slug, name: "churn_us", versions: 2)
            try await Self.seed(api, tenant: slug, name: "fraud", versions: 1)
            try await Self.stage(api, tenant: slug, model: "churn_us", version: 2, to: "Staging", as: "alice")
            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let all = try await carol.get("/ui/t/\(slug)/models")
            #expect(all.status == .ok)
            #expect(all.text.contains("churn-eu") && all.text.contains("churn_us") && all.text.contains("fraud"))
            let named = try await carol.get("/ui/t/\(slug)/models?q=churn")
            #expect(named.text.contains("churn-eu") && named.text.contains("churn_us") && !named.text.contains(">fraud<"))
            let literal = try await carol.get("/ui/t/\(slug)/models?q=n_u")
            #expect(literal.text.contains("churn_us") && !literal.text.contains("churn-eu"), "the search box matches text, not a pattern")
            let filter = "stage = 'Staging' AND metrics.accuracy@eval > 0.5".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let filtered = try await carol.get("/ui/t/\(slug)/models?filter=\(filter)")
            #expect(filtered.status == .ok)
            #expect(filtered.text.contains(#"href="/ui/t/\#(slug)/models/churn_us/versions/2""#))
            #expect(!filtered.text.contains("versions/1\""))
            let broken = try await carol.get("/ui/t/\(slug)/models?filter=stage%20%3D%3D%3D%20x")
            #expect(broken.status == .badRequest)
            #expect(broken.text.contains(#"class="problem""#))
            #expect(broken.text.contains(#"value="stage === x""#), "what was typed stays in the field")

            // Keyset paging: 50 a page, the next page continues where this one ended.
            for index in 0..<51 {
                let reply = try await api.call(
                    .post, "/api/v1/tenants/\(slug)/models", as: "alice", json: .object(["name": .string(String(format: "zz-%02d", index))]))
                #expect(reply.status == .created)
            }
            let first = try await carol.get("/ui/t/\(slug)/models")
            let next = try #require(first.text.range(of: #"href="([^"]+)" rel="next""#, options: .regularExpression).map { String(first.text[$0]) })
            let href = String(next.dropFirst(#"href=""#.count).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            let second = try await carol.get(href)
            #expect(second.status == .ok)
            #expect(second.text.contains("zz-50") && !second.text.contains(">fraud<"))
            #expect(!first.text.contains("zz-50"))
        }
    }

    @Test func userInputIsEscapedOnEveryPage() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("escape")
        let slug = tenant.slug.value
        let hostile = Self.injection
        try await harness.run { api in
            try await Self.seed(
                api, tenant: slug, name: "evil", versions: 1,
                description:
                    "**bold** *soft* `code` [docs](https://docs.example.com/m) \(hostile) [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
                tag: hostile)
            let card = try await api.call(
                .put, "/api/v1/tenants/\(slug)/models/evil/versions/1/model-card", as: "alice",
                json: .object(["intended_use": .string(hostile), "owner": .string(#""><svg onload=alert(1)>"#)]))
            #expect(card.status == .ok, "\(card.text)")
            let request = try await api.call(
                .post, "/api/v1/tenants/\(slug)/models/evil/versions/1/transition-requests", as: "alice",
                json: .object(["to_stage": .string("Staging"), "comment": .string(hostile)]))
            #expect(request.status == .created || request.status == .ok, "\(request.text)")
            var dave = ConsoleBrowser(api)
            _ = try await dave.signIn("dave")
            for path in [
                "", "/models", "/models/evil", "/models/evil/versions/1", "/approvals",
                "/models?q=\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
            ] {
                let page = try await dave.get("/ui/t/\(slug)\(path)")
                #expect(page.status == .ok, "\(path): \(page.status)")
                #expect(!page.text.contains("<script>alert"), "\(path) lets a script through")
                #expect(!page.text.contains("<img src=x"), "\(path) lets markup through")
                #expect(!page.text.contains("<svg"), "\(path) lets markup through")
                #expect(!page.text.contains("javascript:alert(1)\""), "\(path) links to javascript:")
            }
            let model = try await dave.get("/ui/t/\(slug)/models/evil")
            #expect(model.text.contains("<strong>bold</strong>"), "the description's Markdown is rendered")
            #expect(model.text.contains("<em>soft</em>") && model.text.contains("<code>code</code>"))
            #expect(model.text.contains(#"<a href="https://docs.example.com/m" rel="nofollow noopener noreferrer">docs</a>"#))
            #expect(model.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test func theModelCardFormSavesAndRefusesBadInput() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("card", settings: ["required_card_fields": .array([.string("intended_use"), .string("owner")])])
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "m", versions: 1)
            let path = "/ui/t/\(slug)/models/m/versions/1"
            var alice = ConsoleBrowser(api)
            _ = try await alice.signIn("alice")
            let before = try await alice.get(path)
            #expect(before.text.contains("Missing: intended_use, owner"))
            let bad = try await alice.post(path + "/card", [("intended_use", "scoring"), ("review_by", "next spring")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("review_by"))
            let unchanged = try await api.call(.get, "/api/v1/tenants/\(slug)/models/m/versions/1/model-card", as: "carol")
            #expect(unchanged.json?["intended_use"] == nil, "a refused form writes nothing")
            _ = try await alice.get(path)
            let saved = try await alice.post(path + "/card", [("intended_use", "churn scoring"), ("owner", "ml-team"), ("review_by", "2020-01-31")])
            #expect(saved.status == .seeOther)
            let after = try await alice.get(path)
            #expect(after.text.contains("Complete: every field this tenant requires"))
            let card = try await api.call(.get, "/api/v1/tenants/\(slug)/models/m/versions/1/model-card", as: "carol")
            #expect(card.json?["intended_use"]?.string == "churn scoring")

            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let asReader = try await carol.get(path)
            #expect(!asReader.text.contains(#"id="card-form""#))
            let forged = try await carol.post(path + "/card", [("intended_use", "x")])
            #expect(forged.status == .forbidden)
        }
    }

    @Test func compareShowsDifferencesAndAChartPerMetric() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("compare")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "m", versions: 3)
            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let model = try await carol.get("/ui/t/\(slug)/models/m")
            #expect(model.text.contains(#"name="v" value="3""#), "the versions table offers each version for comparison")
            let page = try await carol.get("/ui/t/\(slug)/models/m/compare?v=1&v=3")
            #expect(page.status == .ok)
            let table = try #require(page.text.range(of: #"id="compare""#).map { String(page.text[$0.upperBound...]) })
            #expect(table.contains(#"<tr class="differs"><th scope="row">max_depth</th><td><code>5</code></td><td><code>7</code></td>"#))
            #expect(table.contains(#"<tr><th scope="row">note</th>"#), "an equal row is not marked")
            #expect(table.contains(#"<tr class="differs"><th scope="row">eval/accuracy</th><td class="num">0.81</td><td class="num">0.83</td>"#))
            #expect(page.text.components(separatedBy: #"<svg class="chart""#).count - 1 == 2, "one chart per metric")
            #expect(page.text.contains(#"aria-label="eval/accuracy: v1: 0.81, v3: 0.83""#))
            #expect(!page.text.contains("style="), "no inline style (the CSP refuses it)")
            let asAPI = try await carol.get("/ui/t/\(slug)/models/m/compare?versions=1,2")
            #expect(asAPI.status == .ok)
            let one = try await carol.get("/ui/t/\(slug)/models/m/compare?v=1")
            #expect(one.status == .badRequest)
            #expect(one.text.contains("Compare 2 to 20"))
            let missing = try await carol.get("/ui/t/\(slug)/models/m/compare?v=1&v=99")
            #expect(missing.status == .notFound)
        }
    }

    @Test func whatServedWhenNamesTheVersionItsApprovalAndItsTrail() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("served")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "scoring", versions: 2)
            try await Self.stage(api, tenant: slug, model: "scoring", version: 1, to: "Staging", as: "alice")
            let request = try await api.call(
                .post, "/api/v1/tenants/\(slug)/models/scoring/versions/1/transition-requests", as: "alice",
                json: .object(["to_stage": .string("Production")]))
            let id = try #require(request.json?["id"]?.string)
            let approved = try await api.call(
                .post, "/api/v1/tenants/\(slug)/transition-requests/\(id)/approve", as: "dave", json: .object(["comment": .string("signed off")]))
            #expect(approved.status == .ok, "\(approved.text)")
            let deploy = "/api/v1/tenants/\(slug)/models/scoring/versions/"
            let first = try await api.call(
                .post, deploy + "1/deployments", as: "alice", json: .object(["environment": .string("prod"), "target": .string("eu-west")]))
            #expect(first.status == .created, "\(first.text)")
            try await Task.sleep(for: .milliseconds(300))
            let between = Date()
            try await Task.sleep(for: .milliseconds(300))
            let second = try await api.call(
                .post, deploy + "2/deployments", as: "alice", json: .object(["environment": .string("prod"), "target": .string("eu-west")]))
            #expect(second.status == .created, "\(second.text)")

            var dave = ConsoleBrowser(api)
            _ = try await dave.signIn("dave")
            let at = RFC3339.format(between)  // to the millisecond: the deployments are 300 ms apart
            let then = try await dave.get(
                "/ui/t/\(slug)/served?environment=prod&at=\(at.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(then.status == .ok)
            #expect(then.text.contains("scoring v1</a> on prod / eu-west"))
            #expect(!then.text.contains("scoring v2</a>"))
            #expect(then.text.contains("approved by <strong>dave</strong>"))
            #expect(then.text.contains("signed off"))
            #expect(then.text.contains("deployment.started"), "the approver sees the version's trail up to then")
            let now = try await dave.get("/ui/t/\(slug)/served?environment=prod")
            #expect(now.text.contains("scoring v2</a> on prod / eu-west"))
            #expect(now.text.contains("No approved request for this version by then."))
            let elsewhere = try await dave.get("/ui/t/\(slug)/served?environment=staging")
            #expect(elsewhere.text.contains("Nothing was serving then."))
            let bad = try await dave.get("/ui/t/\(slug)/served?at=yesterday")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("must be a time like"))

            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            let asReader = try await carol.get(
                "/ui/t/\(slug)/served?environment=prod&at=\(at.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(asReader.text.contains("scoring v1</a>"))
            #expect(!asReader.text.contains("deployment.started"), "the audit trail is the approvers'")
        }
    }

    @Test func theAuditLogFiltersPagesExportsAndVerifies() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("auditlog")
        let slug = tenant.slug.value
        try await harness.run { api in
            for index in 0..<55 {
                let reply = try await api.call(.post, "/api/v1/tenants/\(slug)/models", as: "alice", json: .object(["name": .string("m\(index)")]))
                #expect(reply.status == .created)
            }
            _ = try await api.call(.post, "/api/v1/tenants/\(slug)/models", as: "bob", json: .object(["name": .string("bobs")]))
            var dave = ConsoleBrowser(api)
            _ = try await dave.signIn("dave")
            let first = try await dave.get("/ui/t/\(slug)/audit?actor=alice")
            #expect(first.status == .ok)
            #expect(first.text.components(separatedBy: "<tr><td class=\"num\">").count - 1 == 50, "fifty a page")
            let next = try #require(first.text.range(of: #"href="([^"]+)" rel="next""#, options: .regularExpression).map { String(first.text[$0]) })
            let older = try await dave.get(
                String(next.dropFirst(#"href=""#.count).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(older.text.components(separatedBy: "<tr><td class=\"num\">").count - 1 == 5, "the next page keeps the filter")
            let byBob = try await dave.get("/ui/t/\(slug)/audit?actor=bob")
            #expect(byBob.text.contains("registered_model:bobs") && !byBob.text.contains("registered_model:m1<"))
            let object = try await dave.get("/ui/t/\(slug)/audit?object=registered_model:m3")
            #expect(object.text.components(separatedBy: "<tr><td class=\"num\">").count - 1 == 1)
            let future = try await dave.get("/ui/t/\(slug)/audit?since=2999-01-01T00:00")
            #expect(future.text.contains("No entry matches."))
            let badTime = try await dave.get("/ui/t/\(slug)/audit?until=soon")
            #expect(badTime.status == .badRequest)
            let verified = try await dave.get("/ui/t/\(slug)/audit?verify=1")
            #expect(verified.text.range(of: #"Hash chain intact: [0-9]+ entries"#, options: .regularExpression) != nil)

            let export = try await dave.get("/ui/t/\(slug)/audit/export?actor=alice")
            #expect(export.status == .ok)
            #expect(export.headers[.contentType] == "application/x-ndjson")
            let lines = export.text.split(separator: "\n")
            #expect(lines.count == 55)
            let record = try JSONDecoder().decode(JSONValue.self, from: Data(lines[0].utf8))
            #expect(record["action"]?.string == "registered_model.created")
            #expect(record["after"]?["name"]?.string == "m54", "newest first, with the after image as JSON")
            #expect(record["hash"]?.string?.count == 64)

            var carol = ConsoleBrowser(api)
            _ = try await carol.signIn("carol")
            #expect(try await carol.get("/ui/t/\(slug)/audit").status == .forbidden)
            #expect(try await carol.get("/ui/t/\(slug)/audit/export").status == .forbidden)
            let dashboard = try await carol.get("/ui/t/\(slug)")
            #expect(!dashboard.text.contains("Audit log"), "the reader is not offered the audit log")
        }
    }

    @Test func anAdminPreviewsARetentionDraftAndThenSavesIt() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("retention")
        let slug = tenant.slug.value
        try await harness.run { api in
            try await Self.seed(api, tenant: slug, name: "m", versions: 4)
            let path = "/ui/t/\(slug)/admin/retention"
            var erin = ConsoleBrowser(api)
            _ = try await erin.signIn("erin")
            let empty = try await erin.get(path)
            #expect(empty.status == .ok)
            #expect(empty.text.contains("has no retention policy yet"))
            let draft = [("rule0_name", "keep two"), ("rule0_keep_last", "2"), ("deployment_protection_days", "30")]
            let preview = try await erin.post(path + "/preview", draft)
            #expect(preview.status == .ok)
            let actions = try #require(preview.text.range(of: #"id="preview-actions""#).map { String(preview.text[$0.upperBound...]) })
            #expect(actions.contains("m v1</a>") && actions.contains("m v2</a>") && !actions.contains("m v3</a>"))
            #expect(preview.text.contains("2 to archive"))
            #expect(preview.text.contains(#"value="keep two""#), "the draft stays in the editor")
            let untouched = try await api.call(.get, "/api/v1/tenants/\(slug)/retention-policies", as: "erin")
            #expect(untouched.json?["revision"]?.number == 0, "a preview saves nothing: \(untouched.text)")
            let versions = try await api.call(.get, "/api/v1/tenants/\(slug)/models/m/versions/1", as: "erin")
            #expect(versions.json?["stage"]?.string == "None", "a preview changes nothing")

            let bad = try await erin.post(path, [("rule0_name", "keep two"), ("rule0_keep_last", "two")])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("must be a whole number"))
            #expect(bad.text.contains(#"value="two""#))
            let saved = try await erin.post(path, draft)
            #expect(saved.status == .seeOther)
            let stored = try await api.call(.get, "/api/v1/tenants/\(slug)/retention-policies", as: "erin")
            #expect(stored.json?["revision"]?.number == 1)
            #expect(stored.json?["rules"]?.array?.first?["keep_last"]?.number == 2)
            let after = try await erin.get(path + "?done=saved")
            #expect(after.text.contains("Policy saved: revision 1."))
            #expect(after.text.contains(#"name="rule0_keep_last" value="2""#))

            var dave = ConsoleBrowser(api)
            _ = try await dave.signIn("dave")
            #expect(try await dave.get(path).status == .forbidden)
            #expect(try await dave.post(path, draft).status == .forbidden, "only admins save a policy")
            let nav = try await dave.get("/ui/t/\(slug)")
            #expect(!nav.text.contains(">Retention<"), "the approver is not offered the admin page")
        }
    }
}
