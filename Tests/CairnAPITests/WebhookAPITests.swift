import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// Tenant admins' webhook API: targets are vetted, the secret is shown once, the delivery log is readable.
@Suite struct WebhookAPITests {
    @Test func privateLoopbackAndLinkLocalTargetsAreRefusedWithoutTheAllowList() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("hook-ssrf")
        try await harness.run { api in
            for url in [
                "http://127.0.0.1/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data/", "http://0x7f000001/",
                "http://10.0.0.1/", "http://2130706433/", "http://localhost:8080/", "ftp://example.com/", "https://u:p@example.com/",
            ] {
                let reply = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/webhooks", as: "erin", body: #"{"url":"\#(url)"}"#)
                #expect(reply.status == .badRequest, "\(url): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == "INVALID_PARAMETER_VALUE")
            }
            // A name is judged by what it resolves to.
            let named = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/webhooks", as: "erin", body: #"{"url":"http://localhost:8080/"}"#)
            #expect(named.text.contains("localhost (") && named.text.contains("loopback address"), "\(named.text)")
            let list = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/webhooks", as: "erin")
            #expect(list.json?["webhooks"]?.array?.isEmpty == true, "nothing was saved")
        }
    }

    @Test func theSecretIsShownOnceAndEveryChangeIsAudited() async throws {
        let harness = try await APIHarness.make(outbound: try OutboundPolicy(parsing: "127.0.0.1:9"))
        let tenant = try await harness.db.makeTenant("hook-crud")
        let base = "/api/v1/tenants/\(tenant.slug)/webhooks"
        try await harness.run { api in
            let created = try await api.call(
                .post, base, as: "erin",
                body: #"{"url":"http://127.0.0.1:9/in","event_types":["model_version.stage_changed","transition_request.*"],"model":"churn"}"#)
            #expect(created.status == .created, "\(created.text)")
            let secret = try #require(created.json?["secret"]?.string)
            #expect(secret.hasPrefix("whsec_"))
            let id = try #require(created.json?["webhook"]?["id"]?.string)
            #expect(created.json?["webhook"]?["event_types"]?.array?.count == 2)

            let read = try await api.call(.get, "\(base)/\(id)", as: "erin")
            #expect(read.status == .ok)
            #expect(!read.text.contains("whsec_"), "the secret is never shown again")
            #expect(!(try await api.call(.get, base, as: "erin")).text.contains("whsec_"))

            let bad = try await api.call(.post, base, as: "erin", body: #"{"url":"http://127.0.0.1:9/","event_types":["DROP TABLE"]}"#)
            #expect(bad.status == .badRequest)
            let unknown = try await api.call(.post, base, as: "erin", body: #"{"url":"http://127.0.0.1:9/","secret":"mine"}"#)
            #expect(unknown.status == .badRequest && unknown.text.contains("Unknown field 'secret'"))
            let otherPort = try await api.call(.patch, "\(base)/\(id)", as: "erin", body: #"{"url":"http://127.0.0.1:10/"}"#)
            #expect(otherPort.status == .badRequest, "the allow-list names port 9 only: \(otherPort.text)")

            let rotated = try await api.call(.patch, "\(base)/\(id)", as: "erin", body: #"{"rotate_secret":true,"model":null,"active":false}"#)
            #expect(rotated.status == .ok, "\(rotated.text)")
            let newSecret = try #require(rotated.json?["secret"]?.string)
            #expect(newSecret != secret)
            #expect(rotated.json?["webhook"]?["model"] == .null)
            #expect(rotated.json?["webhook"]?["active"] == .bool(false))
            let plain = try await api.call(.patch, "\(base)/\(id)", as: "erin", body: #"{"description":"risk team"}"#)
            #expect(plain.json?["secret"] == nil)

            let ping = try await api.call(.post, "\(base)/\(id)/ping", as: "erin")
            #expect(ping.status == .accepted)
            #expect(ping.json?["type"]?.string == "webhook.ping" && ping.json?["state"]?.string == "pending")
            let pingID = try #require(ping.json?["id"]?.string)
            let again = try await api.call(.post, "\(base)/\(id)/deliveries/\(pingID)/redeliver", as: "erin")
            #expect(again.status == .conflict, "still queued: \(again.text)")
            let log = try await api.call(.get, "\(base)/\(id)/deliveries?state=pending", as: "erin")
            #expect(log.json?["deliveries"]?.array?.count == 1)
            #expect(try await api.call(.get, "\(base)/\(id)/deliveries?state=lost", as: "erin").status == .badRequest)
            #expect(try await api.call(.get, "\(base)/\(id)/deliveries/nope", as: "erin").status == .notFound)

            #expect(try await api.call(.delete, "\(base)/\(id)", as: "erin").status == .noContent)
            #expect(try await api.call(.get, "\(base)/\(id)", as: "erin").status == .notFound)
            #expect(try await api.call(.get, "\(base)/not-a-uuid", as: "erin").status == .notFound)

            let audit = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/audit?object=webhook:\(id)", as: "erin")
            let actions = audit.json?["entries"]?.array?.compactMap { $0["action"]?.string }
            #expect(actions == ["webhook.deleted", "webhook.updated", "webhook.updated", "webhook.created"], "\(audit.text)")
            #expect(!audit.text.contains("whsec_"), "the audit log never holds the secret")
            #expect(audit.text.contains("\"secret_rotated\":true"))
        }
    }
}
