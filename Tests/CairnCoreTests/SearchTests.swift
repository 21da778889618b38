import CairnCore
import Foundation
import Testing

@Suite struct SearchTests {
    @Test func parsesEveryFieldKind() throws {
        let filter = try VersionFilter(
            parsing: """
                name LIKE 'fraud%' AND stage = 'production' AND metrics.accuracy@holdout-2024 >= 0.9 AND tags.team = "risk" \
                AND model_tags.`data domain` != 'x' AND version > 3 AND created_at >= '2026-01-01T00:00:00Z' AND owner ILIKE '%ml'
                """)
        #expect(filter.clauses.count == 8)
        #expect(filter.clauses[0] == .init(field: .name, op: .like, value: .string("fraud%")))
        #expect(filter.clauses[1].value == .string("Production"))
        #expect(filter.clauses[2] == .init(field: .metric(key: "accuracy", dataset: "holdout-2024"), op: .greaterOrEqual, value: .number(0.9)))
        #expect(filter.clauses[3].field == .versionTag("team"))
        #expect(filter.clauses[4].field == .modelTag("data domain"))
        #expect(filter.clauses[5] == .init(field: .version, op: .greater, value: .integer(3)))
        #expect(filter.clauses[6].value == .time(Date(timeIntervalSince1970: 1_767_225_600)))
    }

    @Test func emptyFilterMatchesEverything() throws {
        #expect(try VersionFilter(parsing: "  ").clauses.isEmpty)
    }

    @Test func quotesInsideStringsAreDoubled() throws {
        #expect(try VersionFilter(parsing: "name = 'o''brien'").clauses[0].value == .string("o'brien"))
    }

    @Test(arguments: [
        "name", "name =", "name = fraud", "nme = 'x'", "stage = 'Live'", "metrics.acc > 'high'", "version > 1.5",
        "name > 'a'", "name = 'x' OR stage = 'None'", "name = 'x' AND", "created_at > 'yesterday'", "tags = 'x'",
        "name = 'unterminated", "metrics.acc LIKE 1", "stage LIKE 'P%'", "name = 'x'; DROP TABLE cairn.tenants",
    ])
    func badFiltersAreRejectedWithAPosition(_ text: String) {
        do {
            _ = try VersionFilter(parsing: text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.code == .invalidParameterValue)
            #expect(error.message.contains("Invalid filter") || error.message.contains("Unknown stage"))
        }
    }

    @Test func tooManyClausesAreRejected() {
        let text = Array(repeating: "version > 1", count: 21).joined(separator: " AND ")
        #expect(throws: CairnError.self) { try VersionFilter(parsing: text) }
    }

    @Test func orderByParsesAndDefaults() throws {
        #expect(try VersionOrder(parsing: nil) == .newestFirst)
        #expect(try VersionOrder(parsing: "name") == VersionOrder(key: .name, descending: false))
        #expect(try VersionOrder(parsing: "version asc") == VersionOrder(key: .version, descending: false))
        #expect(throws: CairnError.self) { try VersionOrder(parsing: "metrics.acc DESC") }
        #expect(throws: CairnError.self) { try VersionOrder(parsing: "name sideways") }
    }

    @Test func pageTokensRoundTripOnlyForTheirOwnQuery() throws {
        let token = PageToken(position: ["1700000000000000", "8d0f", "3"]).encode(fingerprint: "abc")
        #expect(try PageToken.decode(token, fingerprint: "abc", positionCount: 3).position == ["1700000000000000", "8d0f", "3"])
        #expect(throws: CairnError.self) { try PageToken.decode(token, fingerprint: "abd", positionCount: 3) }
        #expect(throws: CairnError.self) { try PageToken.decode("not-a-token!!", fingerprint: "abc", positionCount: 3) }
        #expect(throws: CairnError.self) { try PageToken.decode(token, fingerprint: "abc", positionCount: 2) }
    }

    @Test func queryFingerprintDependsOnTenantFilterAndOrder() throws {
        let a = Tenant(id: UUID(), slug: try TenantSlug("a"), displayName: "A", settings: [:], createdAt: Date(), createdBy: "t")
        let b = Tenant(id: UUID(), slug: try TenantSlug("b"), displayName: "B", settings: [:], createdAt: Date(), createdBy: "t")
        let q1 = try VersionQuery(modelName: nil, filter: "version > 1", orderBy: nil, maxResults: 10, pageToken: nil)
        let q1Spaced = try VersionQuery(modelName: nil, filter: "version  >  1", orderBy: nil, maxResults: 50, pageToken: nil)
        let q2 = try VersionQuery(modelName: nil, filter: "version > 2", orderBy: nil, maxResults: 10, pageToken: nil)
        #expect(q1.fingerprint(tenant: a) == q1Spaced.fingerprint(tenant: a))
        #expect(q1.fingerprint(tenant: a) != q1.fingerprint(tenant: b))
        #expect(q1.fingerprint(tenant: a) != q2.fingerprint(tenant: a))
    }

    @Test func maxResultsIsBounded() throws {
        #expect(throws: CairnError.self) { try Limits.maxResults(0) }
        #expect(throws: CairnError.self) { try Limits.maxResults(1001) }
        #expect(try Limits.maxResults(nil) == Limits.defaultMaxResults)
    }

    @Test func comparisonLinesUpKeysAndFlagsDifferences() throws {
        func version(_ n: Int, _ params: JSONObject, _ metrics: [Metric], commit: String?) -> ModelVersion {
            ModelVersion(
                modelID: UUID(), modelName: "m", version: n, status: .ready, statusMessage: nil, stage: .none, description: "",
                source: nil, runID: nil, runLink: nil, lineage: Lineage(codeCommit: commit), hyperparameters: params,
                metrics: metrics, environment: [:], tags: [:], aliases: [], createdAt: Date(), createdBy: "t", updatedAt: Date(), updatedBy: "t")
        }
        let comparison = VersionComparison(versions: [
            version(3, ["lr": .number(0.1), "depth": .number(6)], [Metric(dataset: "holdout", key: "acc", value: 0.9)], commit: "abcdef1"),
            version(4, ["lr": .number(0.1)], [Metric(dataset: "holdout", key: "acc", value: 0.92)], commit: "abcdef1"),
        ])
        #expect(comparison.hyperparameters.map(\.key) == ["depth", "lr"])
        #expect(comparison.hyperparameters[0].values == [.number(6), nil])
        #expect(comparison.hyperparameters[0].differs)
        #expect(!comparison.hyperparameters[1].differs)
        #expect(comparison.metrics.map(\.key) == ["holdout/acc"])
        #expect(comparison.metrics[0].differs)
        #expect(comparison.lineage.first { $0.key == "code_commit" }?.differs == false)
        #expect(try VersionComparison.parseVersionList("3, 4,3,7") == [3, 4, 7])
        #expect(throws: CairnError.self) { try VersionComparison.parseVersionList("3") }
        #expect(throws: CairnError.self) { try VersionComparison.parseVersionList("3,x") }
    }
}
