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

@Suite struct AliasAndLegalHoldAPITests {
    @Test func aliasesNameOneVersionAndProtectedOnesNeedAnApprover() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("alias", settings: ["protected_aliases": .array([.string("champion")])])
        let base = "/api/v1/tenants/\(tenant.slug)/models/ranker"
        try await harness.run { api in
            #expect(try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models", as: "alice", body: #"{"name":"ranker"}"#).status == .created)
            for _ in 0..<2 { _ = try await api.call(.post, "\(base)/versions", as: "alice", body: "{}") }

            #expect(try await api.call(.put, "\(base)/aliases/challenger", as: "alice", body: #"{"version":2}"#).status == .ok)
            #expect(try await api.call(.put, "\(base)/aliases/champion", as: "alice", body: #"{"version":1}"#).status == .forbidden)
            let set = try await api.call(.put, "\(base)/aliases/champion", as: "dave", body: #"{"version":1}"#)
            #expect(set.status == .ok, "\(set.text)")
            #expect(set.json?["aliases"] == .array([.string("champion")]))

            let resolved = try await api.call(.get, "\(base)/aliases/champion", as: "carol")
            #expect(resolved.json?["version"]?.number == 1)
            let moved = try await api.call(.put, "\(base)/aliases/champion", as: "erin", body: #"{"version":2}"#)
            #expect(moved.json?["aliases"] == .array([.string("challenger"), .string("champion")]))
            #expect(try await api.call(.get, "\(base)", as: "carol").json?["aliases"] == .object(["challenger": .number(2), "champion": .number(2)]))

            #expect(try await api.call(.put, "\(base)/aliases/champion", as: "dave", body: #"{"version":9}"#).status == .notFound)
            #expect(try await api.call(.put, "\(base)/aliases/latest", as: "alice", body: #"{"version":1}"#).status == .badRequest)
            #expect(try await api.call(.put, "\(base)/aliases/v3", as: "alice", body: #"{"version":1}"#).status == .badRequest)
            #expect(try await api.call(.put, "\(base)/aliases/x", as: "alice", body: #"{"version":"one"}"#).status == .badRequest)
            #expect(try await api.call(.get, "\(base)/aliases/nobody", as: "carol").status == .notFound)

            #expect(try await api.call(.delete, "\(base)/aliases/champion", as: "alice").status == .forbidden)
            #expect(try await api.call(.delete, "\(base)/aliases/champion", as: "dave").status == .noContent)
            #expect(try await api.call(.delete, "\(base)/aliases/champion", as: "dave").status == .notFound)

            let actions = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/audit?action=model_version_alias.set", as: "dave")
            #expect(actions.json?["entries"]?.array?.count == 3)
        }
    }

    @Test func archivedVersionsCannotBeAliased() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("alias-archived")
        let base = "/api/v1/tenants/\(tenant.slug)/models/ranker"
        try await harness.run { api in
            try await api.seedModel("ranker", versions: 1, tenantBase: "/api/v1/tenants/\(tenant.slug)")
            #expect(try await api.call(.post, "\(base)/versions/1/transitions", as: "dave", body: #"{"to_stage":"Archived"}"#).status == .ok)
            #expect(try await api.call(.put, "\(base)/aliases/old", as: "alice", body: #"{"version":1}"#).status == .conflict)
        }
    }

    @Test func aHeldVersionCannotBeDeletedUntilAnAdminLiftsTheHold() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("hold")
        let base = "/api/v1/tenants/\(tenant.slug)/models/ranker"
        try await harness.run { api in
            try await api.seedModel("ranker", versions: 1, tenantBase: "/api/v1/tenants/\(tenant.slug)")
            #expect(try await api.call(.put, "\(base)/versions/1/legal-hold", as: "dave", body: #"{"held":true,"reason":"x"}"#).status == .forbidden)
            #expect(try await api.call(.put, "\(base)/versions/1/legal-hold", as: "erin", body: #"{"held":true}"#).status == .badRequest)
            let held = try await api.call(.put, "\(base)/versions/1/legal-hold", as: "erin", body: #"{"held":true,"reason":"Matter 2026-114"}"#)
            #expect(held.json?["legal_hold"] == .bool(true), "\(held.text)")

            #expect(try await api.call(.delete, "\(base)/versions/1", as: "alice").status == .conflict)
            #expect(try await api.call(.delete, "\(base)", as: "alice").status == .conflict)
            #expect(
                try await api.call(.put, "\(base)/versions/1/legal-hold", as: "erin", body: #"{"held":false}"#).json?["legal_hold"] == .bool(false))
            #expect(try await api.call(.delete, "\(base)/versions/1", as: "alice").status == .noContent)
        }
    }

    @Test func theDatabaseRefusesToDeleteAHeldVersionEvenWithoutSwift() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("hold-db")
        let db = harness.db
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName("m"), description: nil, owner: nil, tags: nil), in: tenant, by: "t", logger: db.logger)
        _ = try await db.registry.createVersion(
            of: "m",
            try NewModelVersion(
                status: nil, description: nil, source: nil, runID: nil, runLink: nil, lineage: nil, hyperparameters: nil, metrics: nil,
                environment: nil, tags: nil),
            in: tenant, by: "t", logger: db.logger)
        _ = try await PostgresAliasStore(database: db.database).setLegalHold(
            true, reason: "audit", version: 1, of: "m", in: tenant, by: "erin", logger: db.logger)
        do {
            try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
                try await connection.query("DELETE FROM cairn.model_versions", logger: db.logger)
            }
            Issue.record("a held version was deleted")
        } catch let error as CairnError {
            #expect(error.code == .invalidState)
        }
        #expect(try await db.registry.version(1, of: "m", in: tenant, logger: db.logger).legalHold)
    }
}
