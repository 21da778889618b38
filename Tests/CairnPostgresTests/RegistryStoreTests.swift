import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

@Suite struct RegistryStoreTests {
    private func version(metrics: [Metric] = [], tags: [String: String] = [:], commit: String? = nil) throws -> NewModelVersion {
        try NewModelVersion(
            status: nil, description: nil, source: "s3://bucket/model", runID: "run-1", runLink: nil,
            lineage: Lineage(codeCommit: commit), hyperparameters: ["lr": .number(0.01)], metrics: metrics,
            environment: ["framework": .string("sklearn")], tags: tags)
    }

    private func model(_ name: String, in tenant: Tenant, _ db: TestDatabase) async throws {
        _ = try await db.registry.createModel(
            try NewRegisteredModel(name: try ModelName(name), description: nil, owner: "team", tags: nil), in: tenant, by: "alice", logger: db.logger)
    }

    @Test func concurrentRegistrationsGetDistinctConsecutiveNumbers() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("concurrent")
        try await model("busy", in: tenant, db)
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await db.registry.createVersion(of: "busy", try self.version(), in: tenant, by: "alice", logger: db.logger).version
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...20))
    }

    @Test func versionNumbersAreNeverReusedAfterADelete() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("reuse")
        try await model("m", in: tenant, db)
        for _ in 1...3 { _ = try await db.registry.createVersion(of: "m", try version(), in: tenant, by: "alice", logger: db.logger) }
        try await db.registry.deleteVersion(3, of: "m", in: tenant, by: "alice", logger: db.logger)
        let next = try await db.registry.createVersion(of: "m", try version(), in: tenant, by: "alice", logger: db.logger)
        #expect(next.version == 4)
        await #expect(throws: CairnError.notFound("Version 3 of model 'm' not found.")) {
            try await db.registry.version(3, of: "m", in: tenant, logger: db.logger)
        }
    }

    @Test func lookAlikeAndDuplicateNamesAreRefusedWithinATenantOnly() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("names")
        let other = try await db.makeTenant("names-other")
        try await model("Churn", in: tenant, db)
        for clash in ["Churn", "churn", "CHURN"] {
            do {
                try await model(clash, in: tenant, db)
                Issue.record("\(clash) was accepted next to Churn")
            } catch let error as CairnError {
                #expect(error.code == .resourceAlreadyExists)
            }
        }
        try await model("churn", in: other, db)
    }

    @Test func fullMetadataRoundTrips() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("roundtrip")
        try await model("credit", in: tenant, db)
        let new = try NewModelVersion(
            status: .pendingRegistration, description: "first", source: "s3://b/k", runID: "r-9", runLink: "https://mlflow/r-9",
            lineage: Lineage(
                codeRepository: "https://git/credit", codeCommit: "0123abcdef", datasetURI: "s3://data/credit", datasetVersion: "v7",
                datasetDigest: "sha256:aa"),
            hyperparameters: ["lr": .number(0.05), "layers": .array([.number(64), .number(32)]), "early_stop": .bool(true)],
            metrics: [Metric(dataset: "holdout", key: "auc", value: 0.91), Metric(dataset: "holdout", key: "fairness/dp_gap", value: 0.02)],
            environment: ["python": .string("3.11"), "gpu": .null], tags: ["owner": "risk"])
        let created = try await db.registry.createVersion(of: "credit", new, in: tenant, by: "alice", logger: db.logger)
        let read = try await db.registry.version(1, of: "credit", in: tenant, logger: db.logger)
        #expect(read == created)
        #expect(read.lineage.datasetDigest == "sha256:aa")
        #expect(read.hyperparameters["layers"] == .array([.number(64), .number(32)]))
        #expect(read.metrics.count == 2)
        #expect(read.status == .pendingRegistration)
        #expect(read.createdBy == "alice")

        let changed = try await db.registry.updateVersion(
            1, of: "credit",
            try ModelVersionChanges(
                description: nil, status: .ready, statusMessage: nil, tags: nil,
                metrics: [Metric(dataset: "holdout", key: "auc", value: 0.93), Metric(dataset: "q3", key: "auc", value: 0.9)]),
            in: tenant, by: "bob", logger: db.logger)
        #expect(changed.status == .ready)
        #expect(changed.updatedBy == "bob")
        #expect(changed.metrics.first { $0.dataset == "holdout" && $0.key == "auc" }?.value == 0.93)
        #expect(changed.metrics.count == 3)
        await #expect(throws: CairnError.self) {
            try await db.registry.updateVersion(
                1, of: "credit", try ModelVersionChanges(description: nil, status: .pendingRegistration, statusMessage: nil, tags: nil, metrics: nil),
                in: tenant, by: "bob", logger: db.logger)
        }
    }

    @Test func productionVersionsCannotBeDeleted() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("prod")
        try await model("live", in: tenant, db)
        _ = try await db.registry.createVersion(of: "live", try version(), in: tenant, by: "alice", logger: db.logger)
        try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            try await connection.query("UPDATE cairn.model_versions SET stage = 'Production'", logger: db.logger)
        }
        await #expect(throws: CairnError.self) { try await db.registry.deleteVersion(1, of: "live", in: tenant, by: "alice", logger: db.logger) }
        await #expect(throws: CairnError.self) { try await db.registry.deleteModel(named: "live", in: tenant, by: "alice", logger: db.logger) }
        #expect(try await db.registry.version(1, of: "live", in: tenant, logger: db.logger).stage == .production)
    }

    @Test func searchFiltersByMetricPerDatasetTagsAndName() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("search")
        try await model("fraud-a", in: tenant, db)
        try await model("churn-b", in: tenant, db)
        _ = try await db.registry.createVersion(
            of: "fraud-a", try version(metrics: [Metric(dataset: "holdout", key: "accuracy", value: 0.95)], tags: ["team": "risk"]), in: tenant,
            by: "alice", logger: db.logger)
        _ = try await db.registry.createVersion(
            of: "fraud-a", try version(metrics: [Metric(dataset: "train", key: "accuracy", value: 0.99)]), in: tenant, by: "alice", logger: db.logger)
        _ = try await db.registry.createVersion(
            of: "churn-b", try version(metrics: [Metric(dataset: "holdout", key: "accuracy", value: 0.80)], tags: ["team": "risk"]), in: tenant,
            by: "alice", logger: db.logger)

        func search(_ filter: String) async throws -> [String] {
            let query = try VersionQuery(modelName: nil, filter: filter, orderBy: "name ASC", maxResults: 100, pageToken: nil)
            return try await db.registry.searchVersions(query, in: tenant, logger: db.logger).versions.map { "\($0.modelName)/\($0.version)" }
        }
        #expect(try await search("metrics.accuracy > 0.9") == ["fraud-a/1", "fraud-a/2"])
        #expect(try await search("metrics.accuracy@holdout > 0.9") == ["fraud-a/1"])
        #expect(try await search("tags.team = 'risk'") == ["churn-b/1", "fraud-a/1"])
        #expect(try await search("name LIKE 'fraud%' AND version >= 2") == ["fraud-a/2"])
        #expect(try await search("owner = 'team' AND stage = 'None'").count == 3)
        #expect(try await search("created_at < '2000-01-01T00:00:00Z'").isEmpty)
        #expect(try await search("name = 'x'' OR 1=1 --'").isEmpty)
    }

    @Test func keysetPagesCoverEverythingOnceInOrder() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("pages")
        for name in ["p1", "p2", "p3"] {
            try await model(name, in: tenant, db)
            for _ in 0..<3 { _ = try await db.registry.createVersion(of: name, try version(), in: tenant, by: "alice", logger: db.logger) }
        }
        for order in ["created_at DESC", "created_at ASC", "name ASC", "name DESC", "version DESC", "version ASC"] {
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let query = try VersionQuery(modelName: nil, filter: nil, orderBy: order, maxResults: 2, pageToken: token)
                let page = try await db.registry.searchVersions(query, in: tenant, logger: db.logger)
                seen += page.versions.map { "\($0.modelName)/\($0.version)" }
                token = page.nextPageToken
                pages += 1
            } while token != nil && pages < 20
            #expect(seen.count == 9, "\(order): \(seen)")
            #expect(Set(seen).count == 9, "\(order) repeated a row: \(seen)")
            #expect(pages == 5, "\(order)")
            if order == "name ASC" { #expect(seen.prefix(4) == ["p1/1", "p1/2", "p1/3", "p2/1"]) }
            if order == "version DESC" { #expect(seen.prefix(3).allSatisfy { $0.hasSuffix("/3") }) }
        }
    }

    @Test func aPageTokenOnlyWorksForItsOwnQueryAndTenant() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("tokens")
        let other = try await db.makeTenant("tokens-other")
        try await model("m", in: tenant, db)
        for _ in 0..<3 { _ = try await db.registry.createVersion(of: "m", try version(), in: tenant, by: "alice", logger: db.logger) }
        let first = try await db.registry.searchVersions(
            try VersionQuery(modelName: nil, filter: "version > 0", orderBy: nil, maxResults: 1, pageToken: nil), in: tenant, logger: db.logger)
        let token = try #require(first.nextPageToken)
        await #expect(throws: CairnError.self) {
            try await db.registry.searchVersions(
                try VersionQuery(modelName: nil, filter: "version > 1", orderBy: nil, maxResults: 1, pageToken: token), in: tenant, logger: db.logger)
        }
        await #expect(throws: CairnError.self) {
            try await db.registry.searchVersions(
                try VersionQuery(modelName: nil, filter: "version > 0", orderBy: nil, maxResults: 1, pageToken: token), in: other, logger: db.logger)
        }
        let second = try await db.registry.searchVersions(
            try VersionQuery(modelName: nil, filter: "version > 0", orderBy: nil, maxResults: 1, pageToken: token), in: tenant, logger: db.logger)
        #expect(second.versions.map(\.version) == [2])
    }

    @Test func modelListingPagesByName() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("listing")
        for name in ["delta", "alpha", "charlie", "bravo"] { try await model(name, in: tenant, db) }
        let first = try await db.registry.listModels(nameLike: nil, maxResults: 3, pageToken: nil, in: tenant, logger: db.logger)
        #expect(first.models.map(\.name) == ["alpha", "bravo", "charlie"])
        let second = try await db.registry.listModels(nameLike: nil, maxResults: 3, pageToken: first.nextPageToken, in: tenant, logger: db.logger)
        #expect(second.models.map(\.name) == ["delta"])
        #expect(second.nextPageToken == nil)
        await #expect(throws: CairnError.self) {
            try await db.registry.listModels(nameLike: "a%", maxResults: 3, pageToken: first.nextPageToken, in: tenant, logger: db.logger)
        }
    }

    @Test func aTenantWhoseBindingsAreRefusedIsNotCreated() async throws {
        let db = try await TestDatabase.shared()
        let slug = try TenantSlug("atomic-\(UUID().uuidString.prefix(8).lowercased())")
        // Bypasses the Swift validation on purpose: the database's CHECK refuses the over-long DN.
        let oversized = RoleBinding(group: DistinguishedName("cn=" + String(repeating: "g", count: 2000)), role: .admin)
        await #expect(throws: CairnError.self) {
            try await db.tenants.createTenant(
                try NewTenant(slug: slug, displayName: "Atomic", settings: [:]), bindings: [oversized], by: "pat", logger: db.logger)
        }
        #expect(try await db.tenants.tenant(slug: slug, logger: db.logger) == nil)
    }

    @Test func roleBindingsAreReplacedAndReadBackNormalised() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("bindings", bindings: [])
        let saved = try await db.tenants.replaceRoleBindings(
            [RoleBinding(group: DistinguishedName("CN=ML-Readers, OU=groups,dc=cairn,dc=test"), role: .approver)],
            tenantID: tenant.id, by: "pat", logger: db.logger)
        #expect(saved == [RoleBinding(group: DirectoryFixture.readers, role: .approver)])
        #expect(try await db.tenants.role(groups: [DirectoryFixture.readers], tenantID: tenant.id, logger: db.logger) == .approver)
        let visible = try await db.tenants.tenantRoles(groups: [DirectoryFixture.readers], logger: db.logger)
        #expect(visible.contains { $0.tenant.id == tenant.id && $0.role == .approver })
        _ = try await db.tenants.replaceRoleBindings([], tenantID: tenant.id, by: "pat", logger: db.logger)
        #expect(try await db.tenants.roleBindings(tenantID: tenant.id, logger: db.logger).isEmpty)
    }
}
