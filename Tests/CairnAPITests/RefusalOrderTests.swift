import CairnCore
import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// A caller who may not act is refused before their body is read: the answer does not depend on what they sent.
@Suite struct RefusalOrderTests {
    @Test func aTokenCallerIsRefusedTokenManagementWhateverItSends() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("refusal-token")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let token = try await api.mintToken(in: tenant, as: "alice")
            for body in [#"{"name":"again"}"#, "not json", #"{"unknown":1}"#] {
                let reply = try await api.bearer(.post, "\(base)/tokens", token: token, body: body)
                #expect(reply.status == .forbidden, "\(body): \(reply.status) \(reply.text)")
            }
        }
    }

    @Test func aContributorIsRefusedAProtectedAliasWhateverItSends() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("refusal-alias", settings: ["protected_aliases": .array([.string("champion")])])
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            try await api.seedModel("m", versions: 1, tenantBase: base)
            for body in [#"{"version":1}"#, "not json", #"{"version":"one"}"#] {
                let reply = try await api.call(.put, "\(base)/models/m/aliases/champion", as: "alice", body: body)
                #expect(reply.status == .forbidden, "\(body): \(reply.status) \(reply.text)")
            }
            #expect(try await api.call(.put, "\(base)/models/m/aliases/champion", as: "dave", body: #"{"version":1}"#).status == .ok)
        }
    }
}
