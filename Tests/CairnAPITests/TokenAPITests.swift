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

extension APIClient {
    /// Creates a token as `user` and returns its secret.
    func mintToken(in tenant: Tenant, as user: String, role: String? = nil, expiresAt: String? = nil) async throws -> String {
        var body: [String: JSONValue] = ["name": .string("ci-\(user)")]
        if let role { body["role"] = .string(role) }
        if let expiresAt { body["expires_at"] = .string(expiresAt) }
        let reply = try await call(.post, "/api/v1/tenants/\(tenant.slug)/tokens", as: user, json: .object(body))
        guard reply.status == .created, let secret = reply.json?["secret"]?.string else {
            throw TestSetupError("token not created: \(reply.status) \(reply.text)")
        }
        return secret
    }
}

@Suite struct TokenAPITests {
    @Test func aTokenActsForItsOwnerAndItsSecretIsShownOnce() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("tok")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let created = try await api.call(.post, "\(base)/tokens", as: "alice", body: #"{"name":"nightly-training"}"#)
            #expect(created.status == .created, "\(created.text)")
            let secret = try #require(created.json?["secret"]?.string)
            #expect(created.json?["token"]?["role"]?.string == "contributor")
            #expect(created.json?["token"]?["owner"]?.string == "alice")
            #expect(secret.hasPrefix("cairn_\(tenant.slug)_"))

            let model = try await api.bearer(.post, "\(base)/models", token: secret, body: #"{"name":"from-ci"}"#)
            #expect(model.status == .created, "\(model.text)")
            #expect(model.json?["created_by"]?.string == "alice")

            let listed = try await api.call(.get, "\(base)/tokens", as: "alice")
            #expect(listed.json?["tokens"]?.array?.count == 1)
            #expect(!listed.text.contains(String(secret.suffix(64))), "the secret must not be listed")
            #expect(listed.json?["tokens"]?[0]?["last_used_at"] != .null)

            let tenants = try await api.bearer(.get, "/api/v1/tenants", token: secret)
            #expect(tenants.json?["tenants"]?.array?.compactMap { $0["slug"]?.string } == [tenant.slug.value])
        }
        let stored = try await harness.db.client.query("SELECT secret_hash FROM cairn.api_tokens", logger: harness.db.logger)
        for try await hash in stored.decode(String.self) { #expect(hash.count == 64) }
    }

    @Test func aTokenNeverExceedsItsRoleOrItsCreatorsRole() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("tok-role")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let tooHigh = try await api.call(.post, "\(base)/tokens", as: "carol", body: #"{"name":"x","role":"contributor"}"#)
            #expect(tooHigh.status == .forbidden)
            let readOnly = try await api.mintToken(in: tenant, as: "alice", role: "reader")
            #expect(try await api.bearer(.get, "\(base)/models", token: readOnly).status == .ok)
            let write = try await api.bearer(.post, "\(base)/models", token: readOnly, body: #"{"name":"nope"}"#)
            #expect(write.status == .forbidden)
            // A platform admin's token does not carry platform administration.
            let admin = try await api.call(
                .put, "\(base)/role-bindings", as: "pat",
                json: .object([
                    "role_bindings": .array(
                        (DirectoryFixture.standardBindings + [RoleBinding(group: DirectoryFixture.platformAdmins, role: .reader)]).map {
                            .object(["group": .string($0.group.normalized), "role": .string($0.role.rawValue)])
                        })
                ]))
            #expect(admin.status == .ok)
            let patToken = try await api.mintToken(in: tenant, as: "pat")
            #expect(
                try await api.bearer(.post, "/api/v1/tenants", token: patToken, body: #"{"slug":"via-token","display_name":"x"}"#).status
                    == .forbidden)
            #expect(try await api.bearer(.get, "\(base)/role-bindings", token: patToken).status == .forbidden)
        }
    }

    @Test func revokedExpiredForeignAndForgedTokensAreRefused() async throws {
        let clock = TestClock()
        let harness = try await APIHarness.make(now: clock.reading)
        let tenant = try await harness.db.makeTenant("tok-dead")
        let other = try await harness.db.makeTenant("tok-other")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let token = try await api.mintToken(in: tenant, as: "alice")
            #expect(try await api.bearer(.get, "\(base)/models", token: token).status == .ok)
            #expect(try await api.bearer(.get, "/api/v1/tenants/\(other.slug)/models", token: token).status == .notFound)

            let id = try #require(try await api.call(.get, "\(base)/tokens", as: "alice").json?["tokens"]?[0]?["id"]?.string)
            let revoked = try await api.call(.delete, "\(base)/tokens/\(id)", as: "alice")
            #expect(revoked.status == .ok)
            #expect(revoked.json?["revoked_by"]?.string == "alice")
            let afterRevoke = try await api.bearer(.get, "\(base)/models", token: token)
            #expect(afterRevoke.status == .unauthorized)
            #expect(afterRevoke.errorCode == "UNAUTHENTICATED")

            // A token for an hour: usable now, refused once the clock has passed its expiry.
            let shortLived = try await api.mintToken(in: tenant, as: "alice", expiresAt: RFC3339.format(Date().addingTimeInterval(3600)))
            #expect(try await api.bearer(.get, "\(base)/models", token: shortLived).status == .ok)
            clock.advance(by: .seconds(3000))
            #expect(try await api.bearer(.get, "\(base)/models", token: shortLived).status == .ok)
            clock.advance(by: .seconds(601))
            #expect(try await api.bearer(.get, "\(base)/models", token: shortLived).status == .unauthorized)

            var forged = Array(token)
            forged[forged.count - 1] = forged.last == "0" ? "1" : "0"
            #expect(try await api.bearer(.get, "\(base)/models", token: String(forged)).status == .unauthorized)
            #expect(try await api.bearer(.get, "\(base)/models", token: "not-a-token").status == .unauthorized)
            let foreign = "cairn_\(other.slug)_" + String(token.suffix(72))
            #expect(try await api.bearer(.get, "/api/v1/tenants/\(other.slug)/models", token: foreign).status == .unauthorized)
        }
    }

    @Test func tokensCannotManageTokensAndPeopleManageOnlyTheirOwn() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("tok-admin")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let aliceToken = try await api.mintToken(in: tenant, as: "alice")
            _ = try await api.mintToken(in: tenant, as: "bob")
            #expect(try await api.bearer(.post, "\(base)/tokens", token: aliceToken, body: #"{"name":"child"}"#).status == .forbidden)

            let bobs = try await api.call(.get, "\(base)/tokens", as: "bob")
            #expect(bobs.json?["tokens"]?.array?.count == 1)
            let all = try await api.call(.get, "\(base)/tokens", as: "erin")
            #expect(all.json?["tokens"]?.array?.count == 2)

            let aliceID = try #require(all.json?["tokens"]?.array?.first { $0["owner"]?.string == "alice" }?["id"]?.string)
            #expect(try await api.call(.delete, "\(base)/tokens/\(aliceID)", as: "bob").status == .notFound)
            #expect(try await api.bearer(.get, "\(base)/models", token: aliceToken).status == .ok)
            let byAdmin = try await api.call(.delete, "\(base)/tokens/\(aliceID)", as: "erin")
            #expect(byAdmin.json?["revoked_by"]?.string == "erin")
            #expect(try await api.bearer(.get, "\(base)/models", token: aliceToken).status == .unauthorized)
            #expect(try await api.call(.delete, "\(base)/tokens/not-a-uuid", as: "erin").status == .notFound)
        }
    }
}
