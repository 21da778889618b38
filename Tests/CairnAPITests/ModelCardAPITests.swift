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

@Suite struct ModelCardAPITests {
    @Test func cardsRoundTripAsJSONAndYAMLAndGateProduction() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("cards")
        let base = "/api/v1/tenants/\(tenant.slug)"
        let card = "\(base)/models/risk/versions/1/model-card"
        try await harness.run { api in
            try await api.seedModel("risk", versions: 1, tenantBase: base)
            let settings = try await api.call(
                .patch, "\(base)/settings", as: "erin",
                body: #"{"required_card_fields":["intended_use","limitations","fairness"],"four_eyes_production":false}"#)
            #expect(settings.status == .ok, "\(settings.text)")
            #expect(try await api.call(.patch, "\(base)/settings", as: "dave", body: #"{"four_eyes_production":true}"#).status == .forbidden)
            #expect(try await api.call(.patch, "\(base)/settings", as: "erin", body: #"{"colour":"blue"}"#).status == .badRequest)
            #expect(try await api.call(.patch, "\(base)/settings", as: "erin", body: #"{"required_card_fields":["vibes"]}"#).status == .badRequest)

            #expect(
                try await api.call(.put, card, as: "alice", body: #"{"intended_use":"Retail credit decisions","review_by":"2020-01-31"}"#).status
                    == .ok)
            _ = try await api.call(.post, "\(base)/models/risk/versions/1/transitions", as: "alice", body: #"{"to_stage":"Staging"}"#)
            let refused = try await api.call(.post, "\(base)/models/risk/versions/1/transitions", as: "dave", body: #"{"to_stage":"Production"}"#)
            #expect(refused.status == .conflict)
            #expect(refused.json?["message"]?.string?.contains("limitations, fairness") == true, "\(refused.text)")

            let yaml = """
                intended_use: Retail credit decisions
                limitations: Not for business lending
                fairness: Equal opportunity gap below 0.02
                review_by: 2020-01-31
                """
            let put = try await api.send(.put, card + "?format=yaml", authorization: basic("alice"), body: yaml, contentType: "application/yaml")
            #expect(put.status == .ok, "\(put.text)")
            #expect(put.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(put.text.contains("limitations: Not for business lending"))
            let json = try await api.call(.get, card, as: "carol")
            #expect(json.json?["review_by"]?.string == "2020-01-31")

            let promoted = try await api.call(.post, "\(base)/models/risk/versions/1/transitions", as: "dave", body: #"{"to_stage":"Production"}"#)
            #expect(promoted.status == .ok, "\(promoted.text)")
            let overdue = try await api.call(.get, "\(base)/versions?filter=\(q("review_overdue = true AND stage = 'Production'"))", as: "carol")
            #expect(overdue.json?["model_versions"]?.array?.compactMap { $0["model"]?.string } == ["risk"])
            #expect(
                try await api.call(.get, "\(base)/versions?filter=\(q("review_overdue = false"))", as: "carol").json?["model_versions"]?.array?
                    .isEmpty == true)

            #expect(try await api.call(.put, card, as: "alice", body: #"{"colour":"blue"}"#).status == .badRequest)
            #expect(try await api.call(.put, card, as: "alice", body: #"{"review_by":"soon"}"#).status == .badRequest)
            #expect(try await api.call(.put, card, as: "alice", body: #"{"owner":5}"#).status == .badRequest)
            #expect(
                try await api.send(.put, card, authorization: basic("alice"), body: "[unclosed", contentType: "application/yaml").status
                    == .badRequest)
            #expect(
                try await api.call(.get, card, as: "carol").json?["fairness"]?.string == "Equal opportunity gap below 0.02",
                "refused cards change nothing")
        }
    }

    private func basic(_ user: String) -> String {
        "Basic " + Data("\(user):\(DirectoryFixture.passwords[user] ?? "")".utf8).base64EncodedString()
    }
}
