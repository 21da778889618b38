import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// Each bad request: a 4xx with the JSON error body, no database text, and no change to what is stored.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        let user: String
        let body: String?
        let status: HTTPResponse.Status
        let code: String

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "malformed JSON", method: .post, path: "models", user: "alice", body: #"{"name": "x""#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "body is an array", method: .post, path: "models", user: "alice", body: #"["x"]"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(name: "no body", method: .post, path: "models", user: "alice", body: nil, status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "unknown field", method: .post, path: "models", user: "alice", body: #"{"name":"x","colour":"red"}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "wrong field type", method: .post, path: "models", user: "alice", body: #"{"name":5}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "missing name", method: .post, path: "models", user: "alice", body: #"{"description":"x"}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "oversized name", method: .post, path: "models", user: "alice", body: #"{"name":"\#(String(repeating: "n", count: 257))"}"#,
            status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "invisible character in name", method: .post, path: "models", user: "alice", body: #"{"name":"a\u200Bb"}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "look-alike name", method: .post, path: "models", user: "alice", body: #"{"name":"EXISTING"}"#, status: .conflict,
            code: "RESOURCE_ALREADY_EXISTS"),
        Case(
            name: "tag value not a string", method: .post, path: "models", user: "alice", body: #"{"name":"x","tags":{"a":1}}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "too many tags", method: .post, path: "models", user: "alice",
            body: #"{"name":"x","tags":{\#((0...100).map { "\"k\($0)\":\"v\"" }.joined(separator: ","))}}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "hyperparameters not an object", method: .post, path: "models/existing/versions", user: "alice",
            body: #"{"hyperparameters":[1,2]}"#, status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "unknown lineage field", method: .post, path: "models/existing/versions", user: "alice", body: #"{"lineage":{"commit":"abc1234"}}"#,
            status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "commit not hex", method: .post, path: "models/existing/versions", user: "alice", body: #"{"lineage":{"code_commit":"main"}}"#,
            status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "metric without key", method: .post, path: "models/existing/versions", user: "alice", body: #"{"metrics":[{"value":1}]}"#,
            status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "metric value a string", method: .post, path: "models/existing/versions", user: "alice",
            body: #"{"metrics":[{"key":"acc","value":"high"}]}"#, status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "unknown status", method: .post, path: "models/existing/versions", user: "alice", body: #"{"status":"DONE"}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "version of unknown model", method: .post, path: "models/missing/versions", user: "alice", body: "{}", status: .notFound,
            code: "RESOURCE_DOES_NOT_EXIST"),
        Case(
            name: "stage is not patchable", method: .patch, path: "models/existing/versions/1", user: "alice", body: #"{"stage":"Production"}"#,
            status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "empty patch", method: .patch, path: "models/existing/versions/1", user: "alice", body: "{}", status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "status backwards", method: .patch, path: "models/existing/versions/1", user: "alice", body: #"{"status":"PENDING_REGISTRATION"}"#,
            status: .conflict, code: "INVALID_STATE"),
        Case(
            name: "unknown version", method: .get, path: "models/existing/versions/99", user: "carol", body: nil, status: .notFound,
            code: "RESOURCE_DOES_NOT_EXIST"),
        Case(
            name: "version not a number", method: .get, path: "models/existing/versions/latest", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "delete unknown version", method: .delete, path: "models/existing/versions/42", user: "alice", body: nil, status: .notFound,
            code: "RESOURCE_DOES_NOT_EXIST"),
        Case(
            name: "bad filter", method: .get, path: "versions?filter=\(q("accuracy > 0.9"))", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "filter injection", method: .get, path: "versions?filter=\(q("name = 'x' OR 1=1"))", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "bad order", method: .get, path: "versions?order_by=\(q("random()"))", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "max_results not a number", method: .get, path: "versions?max_results=ten", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "max_results too large", method: .get, path: "versions?max_results=100000", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "forged page token", method: .get, path: "versions?page_token=AAAA", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "compare one version", method: .get, path: "models/existing/compare?versions=1", user: "carol", body: nil, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "compare a missing version", method: .get, path: "models/existing/compare?versions=1,9", user: "carol", body: nil,
            status: .notFound, code: "RESOURCE_DOES_NOT_EXIST"),
        Case(
            name: "binding with a bad DN", method: .put, path: "role-bindings", user: "erin",
            body: #"{"role_bindings":[{"group":"admins","role":"admin"}]}"#, status: .badRequest, code: "INVALID_PARAMETER_VALUE"),
        Case(
            name: "binding twice", method: .put, path: "role-bindings", user: "erin",
            body: #"{"role_bindings":[{"group":"cn=a,dc=x","role":"admin"},{"group":"CN=A,dc=x","role":"reader"}]}"#, status: .badRequest,
            code: "INVALID_PARAMETER_VALUE"),
        Case(name: "unknown endpoint", method: .get, path: "dashboards", user: "carol", body: nil, status: .notFound, code: "ENDPOINT_NOT_FOUND"),
    ]

    @Test(arguments: cases)
    func badInputIsRefusedAndChangesNothing(_ bad: Case) async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("bad")
        let base = "/api/v1/tenants/\(tenant.slug)/"
        try await harness.run { api in
            #expect(try await api.call(.post, base + "models", as: "alice", body: #"{"name":"existing"}"#).status == .created)
            #expect(try await api.call(.post, base + "models/existing/versions", as: "alice", body: #"{"run_id":"r1"}"#).status == .created)
            let before = try await Self.snapshot(api, base)

            let reply = try await api.call(bad.method, base + bad.path, as: bad.user, body: bad.body)
            #expect(reply.status == bad.status, "\(bad.name): \(reply.status) \(reply.text)")
            #expect(reply.errorCode == bad.code, "\(bad.name): \(reply.text)")
            #expect(reply.json?["message"]?.string?.isEmpty == false)
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            for leak in ["PSQLError", "sqlState", "violates", "constraint \"", "postgres", "ldap_"] {
                #expect(!reply.text.contains(leak), "\(bad.name) leaks \(leak): \(reply.text)")
            }
            #expect(try await Self.snapshot(api, base) == before, "\(bad.name) changed stored state")
        }
    }

    @Test func invalidTenantSlugsAreBadRequests() async throws {
        try await APIHarness.make().run { api in
            for slug in ["Bad_Slug", "-x", String(repeating: "a", count: 64)] {
                let reply = try await api.call(.get, "/api/v1/tenants/\(slug)/models", as: "carol")
                #expect(reply.status == .badRequest, "\(slug): \(reply.status)")
                #expect(reply.errorCode == "INVALID_PARAMETER_VALUE")
            }
            let bad = try await api.call(.post, "/api/v1/tenants", as: "pat", body: #"{"slug":"Not Valid","display_name":"x"}"#)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aBodyOverTheLimitIsRefused() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("huge")
        try await harness.run { api in
            let huge = #"{"name":"x","description":""# + String(repeating: "d", count: 1_100_000) + #""}"#
            let reply = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models", as: "alice", body: huge)
            #expect(reply.status == .contentTooLarge, "\(reply.status) \(reply.text)")
            #expect(reply.errorCode != nil)
            #expect(try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/models/x", as: "carol").status == .notFound)
        }
    }

    @Test func aPageTokenFromAnotherTenantIsRefused() async throws {
        let harness = try await APIHarness.make()
        let a = try await harness.db.makeTenant("tok-a")
        let b = try await harness.db.makeTenant("tok-b")
        try await harness.run { api in
            for tenant in [a, b] {
                _ = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models", as: "alice", body: #"{"name":"m"}"#)
                for _ in 0..<2 { _ = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models/m/versions", as: "alice", body: "{}") }
            }
            let first = try await api.call(.get, "/api/v1/tenants/\(a.slug)/versions?max_results=1", as: "carol")
            let token = try #require(first.json?["next_page_token"]?.string)
            let foreign = try await api.call(.get, "/api/v1/tenants/\(b.slug)/versions?max_results=1&page_token=\(token)", as: "carol")
            #expect(foreign.status == .badRequest)
            let otherQuery = try await api.call(
                .get, "/api/v1/tenants/\(a.slug)/versions?max_results=1&order_by=name&page_token=\(token)", as: "carol")
            #expect(otherQuery.status == .badRequest)
        }
    }

    /// Everything the tenant stores, as the API shows it.
    static func snapshot(_ api: APIClient, _ base: String) async throws -> String {
        let models = try await api.call(.get, base + "models", as: "carol").text
        let versions = try await api.call(.get, base + "versions?order_by=name", as: "carol").text
        let bindings = try await api.call(.get, base + "role-bindings", as: "erin").text
        return models + versions + bindings
    }
}
