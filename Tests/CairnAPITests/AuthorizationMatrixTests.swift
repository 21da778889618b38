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

/// Walks every declared endpoint: no credentials → 401, too small a role → 403, another tenant's ids → 404.
/// New endpoints join the table when they are registered, so none can ship without these checks.
@Suite struct AuthorizationMatrixTests {
    private static func concrete(_ path: String, tenant: String, webhook: UUID = UUID(), run: UUID = UUID(), mlflowWebhook: UUID = UUID())
        -> String
    {
        path.replacingOccurrences(of: "{tenant}", with: tenant).replacingOccurrences(of: "{webhook}", with: webhook.uuidString.lowercased())
            .replacingOccurrences(of: "{webhook_id}", with: mlflowWebhook.uuidString.lowercased())
            .replacingOccurrences(of: "{run}", with: run.uuidString.lowercased())
            .replacingOccurrences(of: "{delivery}", with: "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d").replacingOccurrences(of: "{model}", with: "m")
            .replacingOccurrences(of: "{version}", with: "1")
            .replacingOccurrences(of: "{token}", with: "6c1e7a52-29b4-4a55-9d1e-5b0b6a4c2f10")
            .replacingOccurrences(of: "{request}", with: "0d5f3c1e-7b2a-4c8e-9f10-3a6b5c4d2e1f")
            .replacingOccurrences(of: "{alias}", with: "champion").replacingOccurrences(of: "{path}", with: "MLmodel").replacingOccurrences(
                of: "/events", with: "/events?limit=0"
            )
            .replacingOccurrences(of: "{deployment}", with: "2b7e1c4d-5a6f-4e3b-8c9d-0e1f2a3b4c5d").replacingOccurrences(
                of: "/compare", with: "/compare?versions=1,2"
            )
            .replacingOccurrences(of: "{workspace}", with: tenant).replacingOccurrences(of: "{model_id}", with: "m-0123")
            + (path.contains("/mlflow/") && !path.hasSuffix("/mlflow/server-info") ? "?name=m&version=1&alias=champion" : "")
    }

    /// An MLflow call names its objects in the query (GET, above) or the body; unknown fields are ignored, so one body
    /// serves every MLflow route.
    private static let mlflowBody = #"""
        {"name":"never-created","version":"1","alias":"champion","key":"k","value":"v","stage":"Archived","source":"s3://b/never",
         "new_name":"never-renamed","description":"x"}
        """#

    /// The workspace header of an endpoint that takes its tenant there.
    private static func headers(_ endpoint: Endpoint, tenant: String) -> HTTPFields {
        var headers = HTTPFields()
        if let header = endpoint.tenantHeader, let name = HTTPField.Name(header) { headers[name] = tenant }
        return headers
    }

    /// Answers 404 to every caller by design (MLflow's logged models are not served yet).
    private static func alwaysMissing(_ endpoint: Endpoint) -> Bool { endpoint.path.contains("/logged-models/") }

    private static func sampleBody(_ endpoint: Endpoint) -> String? {
        if endpoint.path.contains("/mlflow/") { return endpoint.method == .get ? nil : mlflowBody }
        return switch (endpoint.method, endpoint.path) {
        case (.post, "/api/v1/tenants"): #"{"slug":"never-created","display_name":"x"}"#
        case (.put, let p) where p.hasSuffix("/legal-hold"): #"{"held":true,"reason":"matter 12"}"#
        case (.put, let p) where p.contains("/aliases/"): #"{"version":1}"#
        case (.put, let p) where p.hasSuffix("/model-card"): #"{"intended_use":"x"}"#
        case (.patch, let p) where p.hasSuffix("/settings"): #"{"four_eyes_production":false}"#
        case (.put, _): #"{"role_bindings":[]}"#
        case (.post, let p) where p.hasSuffix("/models"): #"{"name":"never-created"}"#
        case (.post, let p) where p.hasSuffix("/tokens"): #"{"name":"never-created","role":"reader"}"#
        case (.post, let p) where p.hasSuffix("/transitions") || p.hasSuffix("/transition-requests"): #"{"to_stage":"Archived"}"#
        case (.post, let p) where p.hasSuffix("/approve") || p.hasSuffix("/reject") || p.hasSuffix("/cancel"): #"{"comment":"x"}"#
        case (.post, let p) where p.hasSuffix("/deployments"): #"{"environment":"prod","target":"never"}"#
        case (.post, let p) where p.hasSuffix("/webhooks"): #"{"url":"https://hooks.example.com/never"}"#
        case (.post, _), (.patch, _): #"{"description":"x"}"#
        default: String?.none
        }
    }

    private static func userBelow(_ role: Role) -> String? {
        switch role {
        case .reader: nil
        case .contributor: "carol"
        case .approver: "alice"
        case .admin: "dave"
        }
    }

    @Test func everyEndpointEnforcesItsDeclaredAccess() async throws {
        let harness = try await APIHarness.make()
        let db = harness.db
        let mine = try await db.makeTenant("matrix")
        let theirs = try await db.makeTenant("matrix-other", bindings: [RoleBinding(group: DistinguishedName("cn=someone-else,dc=x"), role: .admin)])
        var webhooks: [UUID: UUID] = [:]
        var mlflowWebhooks: [UUID: UUID] = [:]
        var runs: [UUID: UUID] = [:]
        for tenant in [mine, theirs] {
            webhooks[tenant.id] = try await PostgresWebhookStore(database: db.database).createWebhook(
                try WebhookSpec(url: "https://hooks.example.com/\(tenant.slug)", description: nil, eventTypes: nil, model: nil, active: false),
                secret: .generate(), by: Actor(username: "t"), in: tenant, logger: db.logger
            ).id
            mlflowWebhooks[tenant.id] = try await PostgresWebhookStore(database: db.database).createMLflowWebhook(
                try MLflowWebhookSpec(
                    name: "matrix", url: "https://hooks.example.com/\(tenant.slug)/mlflow", description: nil, events: ["model_version.created"],
                    active: false),
                secret: nil, by: Actor(username: "t"), in: tenant, logger: db.logger
            ).id
            _ = try await db.registry.createModel(
                try NewRegisteredModel(name: try ModelName("m"), description: nil, owner: nil, tags: nil), in: tenant, by: "t", logger: db.logger)
            for number in 1...2 {
                // Version 1 is still being registered and holds a file.
                _ = try await db.registry.createVersion(
                    of: "m",
                    try NewModelVersion(
                        status: number == 1 ? .pendingRegistration : nil, description: nil, source: nil, runID: nil, runLink: nil, lineage: nil,
                        hyperparameters: nil, metrics: nil, environment: nil, tags: nil),
                    in: tenant, by: "t", logger: db.logger)
            }
            _ = try await harness.artifacts.put(Array("flavors: {}\n".utf8), at: "MLmodel", version: 1, in: tenant, logger: db.logger)
            _ = try await harness.artifacts.putProxied(Array("flavors: {}\n".utf8), at: "MLmodel", in: tenant, logger: db.logger)
            _ = try await PostgresAliasStore(database: db.database).setAlias(
                try AliasName("champion"), to: 1, of: "m", in: tenant, by: "t", logger: db.logger)
            let retention = PostgresRetentionStore(database: db.database)
            _ = try await retention.setPolicy(
                try RetentionPolicy(rules: [try RetentionRule(name: "keep", keepLast: 5)]), in: tenant, by: Actor(username: "t"), logger: db.logger)
            runs[tenant.id] = try await retention.claim(
                RetentionClaim(kind: .manual(by: Actor(username: "t")), owner: "matrix", now: Date(), lease: .seconds(1)), in: tenant,
                logger: db.logger)?.id
        }
        let endpoints = harness.server.endpoints
        #expect(endpoints.count >= 17)
        let hooks = webhooks
        let mlflowHooks = mlflowWebhooks
        let recordedRuns = runs

        try await harness.run { api in
            var consoleBrowsers: [String: ConsoleBrowser] = [:]
            for endpoint in endpoints {
                let path = Self.concrete(
                    endpoint.path, tenant: mine.slug.value, webhook: hooks[mine.id]!, run: recordedRuns[mine.id]!,
                    mlflowWebhook: mlflowHooks[mine.id]!)
                let body = Self.sampleBody(endpoint)
                let headers = Self.headers(endpoint, tenant: mine.slug.value)
                if endpoint.access == .open {
                    let reply = try await api.call(endpoint.method, path, as: nil, headers: headers)
                    if endpoint.method == .get {
                        #expect(reply.status == .ok || reply.status == .seeOther, "\(endpoint) without credentials: \(reply.status)")
                    } else {
                        // The console's sign-in form: open, but refused without its form and token.
                        #expect(reply.status == .badRequest || reply.status == .forbidden, "\(endpoint) without a form: \(reply.status)")
                    }
                    continue
                }
                if endpoint.access == .session {
                    // Console pages: no session (whatever API credentials come along) goes to the sign-in page; a
                    // session opens pages, and every form needs the session's CSRF token.
                    for user in [nil, "erin"] {
                        let reply = try await api.call(endpoint.method, path, as: user, body: body, headers: headers)
                        #expect(reply.status == .seeOther, "\(endpoint) as \(user ?? "nobody") without a session: \(reply.status)")
                        #expect(reply.headers[.location]?.hasPrefix("/ui/login") == true)
                    }
                    var browser = ConsoleBrowser(api)
                    let reply1 = try await browser.signIn("carol")
                    #expect(reply1.status == .seeOther)
                    if endpoint.method == .get {
                        let reply = try await browser.get(path)
                        #expect(reply.status == .ok, "\(endpoint) in a session: \(reply.status)")
                    } else {
                        let reply = try await browser.post(path, [], csrf: false)
                        #expect(reply.status == .forbidden, "\(endpoint) without its CSRF token: \(reply.status)")
                    }
                    continue
                }
                if case .consoleTenant(let role) = endpoint.access {
                    // A tenant's console page: sign-in first, then the role there (lower → 403, none → 404, another
                    // tenant → 404), and every form needs the session's CSRF token even with the right role.
                    for user in [nil, "erin"] {
                        let reply = try await api.call(endpoint.method, path, as: user, body: body, headers: headers)
                        #expect(reply.status == .seeOther, "\(endpoint) as \(user ?? "nobody") without a session: \(reply.status)")
                    }
                    let other = Self.concrete(endpoint.path, tenant: theirs.slug.value)
                    let entitled = DirectoryFixture.user(with: role)
                    var cases: [(user: String, path: String, expected: HTTPResponse.Status, csrf: Bool)] = [
                        ("mallory", path, .notFound, true), ("erin", other, .notFound, true),
                    ]
                    if let lower = Self.userBelow(role) { cases.append((lower, path, .forbidden, true)) }
                    cases.append(
                        endpoint.method == .get ? (entitled, path, .ok, true) : (entitled, path, .forbidden, false))
                    for check in cases {
                        if consoleBrowsers[check.user] == nil {
                            var browser = ConsoleBrowser(api)
                            #expect(try await browser.signIn(check.user).status == .seeOther)
                            consoleBrowsers[check.user] = browser
                        }
                        var browser = consoleBrowsers[check.user]!
                        _ = try await browser.get("/ui")
                        let reply =
                            endpoint.method == .get ? try await browser.get(check.path) : try await browser.post(check.path, [], csrf: check.csrf)
                        consoleBrowsers[check.user] = browser
                        #expect(reply.status == check.expected, "\(endpoint) as \(check.user) at \(check.path): \(reply.status)")
                        if check.expected != .ok {
                            #expect(reply.headers[.contentType]?.hasPrefix("text/html") == true, "\(endpoint) refuses with a page")
                        }
                    }
                    continue
                }
                let anonymous = try await api.call(endpoint.method, path, as: nil, body: body, headers: headers)
                #expect(anonymous.status == .unauthorized, "\(endpoint) without credentials: \(anonymous.status)")
                #expect(anonymous.errorCode == "UNAUTHENTICATED")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
                let badPassword = try await api.call(endpoint.method, path, as: "erin", password: "wrong", body: body, headers: headers)
                #expect(badPassword.status == .unauthorized, "\(endpoint) with a wrong password: \(badPassword.status)")

                switch endpoint.access {
                case .tenant(let role):
                    if let lower = Self.userBelow(role) {
                        let reply = try await api.call(endpoint.method, path, as: lower, body: body, headers: headers)
                        #expect(reply.status == .forbidden, "\(endpoint) as \(lower): \(reply.status) \(reply.text)")
                        #expect(reply.errorCode == "PERMISSION_DENIED")
                    }
                    let outsider = try await api.call(endpoint.method, path, as: "mallory", body: body, headers: headers)
                    #expect(outsider.status == .notFound, "\(endpoint) as a user with no role: \(outsider.status)")
                case .tenantBindings:
                    let reply = try await api.call(endpoint.method, path, as: "dave", body: body, headers: headers)
                    #expect(reply.status == .forbidden, "\(endpoint) as an approver: \(reply.status)")
                case .platformAdmin:
                    let reply = try await api.call(endpoint.method, path, as: "erin", body: body, headers: headers)
                    #expect(reply.status == .forbidden, "\(endpoint) as a tenant admin: \(reply.status)")
                case .authenticated, .open, .session, .consoleTenant:
                    break
                }

                // Platform administration is refused to everyone else before any tenant is looked up (403 whatever the name).
                if endpoint.access != .platformAdmin,
                    endpoint.path.contains("{tenant}") || endpoint.path.contains("{workspace}") || endpoint.tenantHeader != nil
                {
                    // erin is admin of `mine` and nothing in `theirs`, where the same model and versions exist.
                    let other = Self.concrete(
                        endpoint.path, tenant: theirs.slug.value, webhook: hooks[theirs.id]!, run: recordedRuns[theirs.id]!,
                        mlflowWebhook: mlflowHooks[theirs.id]!)
                    let reply = try await api.call(
                        endpoint.method, other, as: "erin", body: body, headers: Self.headers(endpoint, tenant: theirs.slug.value))
                    #expect(reply.status == .notFound, "\(endpoint) in another tenant: \(reply.status) \(reply.text)")
                    #expect(reply.errorCode == "RESOURCE_DOES_NOT_EXIST")
                    #expect(!reply.text.contains("m\"") || reply.text.contains("Tenant"), "leaks: \(reply.text)")
                }

                if endpoint.method == .get {
                    let user = if case .tenant(let role) = endpoint.access { DirectoryFixture.user(with: role) } else { "erin" }
                    let reply = try await api.call(.get, path, as: user, headers: headers)
                    #expect(reply.status == (Self.alwaysMissing(endpoint) ? .notFound : .ok), "\(endpoint) as \(user): \(reply.status) \(reply.text)")
                }
            }
        }
        // Nothing the refused calls sent was written.
        let models = try await db.registry.listModels(nameLike: nil, maxResults: 10, pageToken: nil, in: mine, logger: db.logger)
        #expect(models.models.map(\.name) == ["m"])
        #expect(try await db.tenants.tenant(slug: try TenantSlug("never-created"), logger: db.logger) == nil)
    }

    /// The policy: reads need reader (the audit trail approver), writes contributor, role bindings admin; tokens are everyone's own (their
    /// handlers keep people to their own tokens); only tenant creation is platform-wide.
    @Test func declaredAccessFollowsThePolicy() async throws {
        let endpoints = try await APIHarness.make().server.endpoints
        // The console: sign-in and static files are open, every other page needs a session; a tenant's pages
        // follow the APIs' policy (reads: reader; the audit trail: approver; admin pages: admin; writes: contributor+).
        for endpoint in endpoints where endpoint.path == "/" || endpoint.path.hasPrefix("/ui") {
            switch endpoint.access {
            case .open:
                #expect(
                    ["/", "/ui/login", "/ui/static/console.css"].contains(endpoint.path) || endpoint.path.hasPrefix("/ui/static/"), "\(endpoint)")
            case .session: #expect(!endpoint.path.contains("{tenant}"), "\(endpoint)")
            case .consoleTenant(let role):
                #expect(endpoint.path.hasPrefix("/ui/t/{tenant}"), "\(endpoint)")
                if endpoint.path.contains("/admin") {
                    #expect(role == .admin, "\(endpoint)")
                } else if endpoint.path.contains("/audit") {
                    #expect(role >= .approver, "\(endpoint)")
                } else if endpoint.path.hasSuffix("/approve") || endpoint.path.hasSuffix("/reject") {
                    #expect(role == .approver, "\(endpoint)")
                } else if endpoint.method == .get {
                    #expect(role == .reader, "\(endpoint)")
                } else {
                    #expect(role >= .contributor, "\(endpoint) writes with less than contributor")
                }
            default: Issue.record("\(endpoint) is a console page without a console access")
            }
        }
        for endpoint in endpoints where endpoint.path.contains("{tenant}") && endpoint.access != .open && !endpoint.path.hasPrefix("/ui/") {
            if endpoint.path.hasSuffix("/get-latest-versions") {
                // MLflow reads the latest versions with a POST (a GET only as the fallback).
                #expect(endpoint.access == .tenant(.reader), "\(endpoint)")
            } else if endpoint.path.hasSuffix("/role-bindings") {
                #expect(endpoint.access == .tenantBindings, "\(endpoint)")
            } else if endpoint.path.hasSuffix("/legal-hold") || endpoint.path.hasSuffix("/settings") || endpoint.path.contains("/webhooks") {
                #expect(endpoint.access == .tenant(.admin), "\(endpoint)")
            } else if endpoint.path.contains("/retention") {
                // Policies are the admins'; the model-risk team (approvers) reads them, previews and reads the runs.
                #expect(endpoint.access == (endpoint.method == .put ? .tenant(.admin) : .tenant(.approver)), "\(endpoint)")
            } else if endpoint.path.hasSuffix("/purge") {
                #expect(endpoint.access == .tenant(.admin), "\(endpoint)")
            } else if endpoint.path.hasSuffix("/audit") {
                #expect(endpoint.access == .tenant(.approver), "\(endpoint)")
            } else if endpoint.path.contains("/tokens") {
                #expect(endpoint.access == .tenant(.reader), "\(endpoint)")
            } else if endpoint.method == .get {
                #expect(endpoint.access == .tenant(.reader), "\(endpoint)")
            } else if case .tenant(let role) = endpoint.access {
                #expect(role >= .contributor, "\(endpoint) writes with less than contributor")
            } else {
                Issue.record("\(endpoint) has no tenant role")
            }
        }
        let tenantRoutes = endpoints.filter {
            !$0.path.contains("{tenant}") && $0.tenantHeader == nil && $0.access != .open && $0.access != .session
        }
        #expect(
            tenantRoutes.map(\.description).sorted() == [
                "DELETE /ajax-api/3.0/mlflow/workspaces/{workspace} [platform admin]",
                "DELETE /api/3.0/mlflow/workspaces/{workspace} [platform admin]",
                "GET /ajax-api/3.0/mlflow/workspaces [authenticated]", "GET /ajax-api/3.0/mlflow/workspaces/{workspace} [authenticated]",
                "GET /api/3.0/mlflow/workspaces [authenticated]", "GET /api/3.0/mlflow/workspaces/{workspace} [authenticated]",
                "GET /api/v1/tenants [authenticated]", "PATCH /ajax-api/3.0/mlflow/workspaces/{workspace} [platform admin]",
                "PATCH /api/3.0/mlflow/workspaces/{workspace} [platform admin]", "POST /ajax-api/3.0/mlflow/workspaces [platform admin]",
                "POST /api/3.0/mlflow/workspaces [platform admin]", "POST /api/v1/tenants [platform admin]",
            ])
        // A route taking its tenant from MLFLOW's workspace header has the access of its twin under /tenants/{tenant}.
        let prefixed = Dictionary(
            endpoints.filter { $0.path.hasPrefix("/tenants/{tenant}/") }.map {
                ("\($0.method) \($0.path.dropFirst("/tenants/{tenant}".count))", $0.access)
            },
            uniquingKeysWith: { first, _ in first })
        for endpoint in endpoints where endpoint.tenantHeader != nil {
            #expect(prefixed["\(endpoint.method) \(endpoint.path)"] == endpoint.access, "\(endpoint) has no twin with its access")
        }
    }

    @Test func theRouterServesExactlyTheDeclaredEndpoints() async throws {
        let harness = try await APIHarness.make()
        let (router, endpoints) = (harness.server.router, harness.server.endpoints)
        let routed = Set(router.routes.map { "\($0.method.rawValue) \(Self.openAPIPath("\($0.path)"))" })
        let declared = Set(endpoints.map { "\($0.method.rawValue) \($0.path)" })
        #expect(
            routed == declared, "routed but undeclared: \(routed.subtracting(declared)); declared but not routed: \(declared.subtracting(routed))")
    }

    static func openAPIPath(_ routerPath: String) -> String {
        let components = routerPath.split(separator: "/").map { part in
            part == "**" ? "{path}" : part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }
        return "/" + components.joined(separator: "/")
    }
}
