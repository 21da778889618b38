import CairnCore
import Foundation
import Testing

/// The pure retention planner: each rule on a scripted history, and protection over random histories.
@Suite struct RetentionPlannerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    @Test func keepLastArchivesTheOlderVersionsButNeverProtectedOnes() throws {
        let versions =
            (1...6).map { RetentionCandidate(model: "churn", version: $0, stage: .none, stageSince: Self.daysAgo(1)) }
            + [RetentionCandidate(model: "churn", version: 7, stage: .production, stageSince: Self.daysAgo(1))]
        var withProtection = versions
        withProtection[0] = RetentionCandidate(model: "churn", version: 1, stage: .none, stageSince: Self.daysAgo(1), aliases: ["champion"])
        withProtection[1] = RetentionCandidate(model: "churn", version: 2, stage: .staging, stageSince: Self.daysAgo(1))
        let policy = try RetentionPolicy(rules: [try RetentionRule(name: "keep 3", keepLast: 3)])
        let plan = RetentionPlanner.plan(withProtection, policy: policy, now: Self.now)
        #expect(plan.map(\.version) == [3, 4], "1 has an alias, 2 is in Staging; 5, 6, 7 are the newest three")
        #expect(plan.allSatisfy { $0.kind == .archive && $0.rule == "keep 3" && $0.reason.contains("newest 3") })
    }

    @Test func staleVersionsAreArchivedAndOldArchivesPurgedAndTombstonesDeleted() throws {
        let versions = [
            RetentionCandidate(model: "fraud", version: 1, stage: .none, stageSince: Self.daysAgo(100)),
            RetentionCandidate(model: "fraud", version: 2, stage: .none, stageSince: Self.daysAgo(10)),
            RetentionCandidate(model: "fraud", version: 3, stage: .archived, stageSince: Self.daysAgo(400)),
            RetentionCandidate(model: "fraud", version: 4, stage: .archived, stageSince: Self.daysAgo(400), legalHold: true),
            RetentionCandidate(
                model: "fraud", version: 5, stage: .archived, stageSince: Self.daysAgo(3000), purgedAt: Self.daysAgo(2 * 365.25 + 1)),
            RetentionCandidate(model: "fraud", version: 6, stage: .none, stageSince: Self.daysAgo(500), lastServedAt: Self.daysAgo(5)),
            RetentionCandidate(model: "fraud", version: 7, stage: .none, stageSince: Self.daysAgo(500)),
        ]
        let policy = try RetentionPolicy(rules: [
            try RetentionRule(name: "hygiene", archiveAfterDays: 30, purgeAfterDays: 365, deleteTombstonesAfterYears: 2)
        ])
        let plan = RetentionPlanner.plan(versions, policy: policy, now: Self.now)
        #expect(plan.map { "\($0.version):\($0.kind.rawValue)" } == ["1:archive", "3:purge", "5:delete_tombstone"])
        // 2 is fresh, 4 under legal hold, 6 deployed 5 days ago, 7 the latest.
        #expect(RetentionPlanner.protection(of: versions[5], latest: 7, policy: policy, now: Self.now)?.contains("deployed") == true)
        #expect(RetentionPlanner.protection(of: versions[6], latest: 7, policy: policy, now: Self.now) == "the latest version of its model")
    }

    @Test func rulesAreScopedByNamePatternAndTagAndTheFirstRuleWins() throws {
        let versions = ["risk-scorer", "risk-pd", "churn"].flatMap { model in
            (1...3).map {
                RetentionCandidate(
                    model: model, modelTags: model == "risk-pd" ? ["team": "credit"] : [:], version: $0, stage: .none, stageSince: Self.daysAgo(90))
            }
        }
        let policy = try RetentionPolicy(rules: [
            try RetentionRule(name: "credit", tag: .init(key: "team", value: "credit"), keepLast: 1),
            try RetentionRule(name: "risk", models: "RISK-*", archiveAfterDays: 60),
        ])
        let plan = RetentionPlanner.plan(versions, policy: policy, now: Self.now)
        #expect(
            plan.map { "\($0.model)/\($0.version):\($0.rule)" } == [
                "risk-pd/1:credit", "risk-pd/2:credit", "risk-scorer/1:risk", "risk-scorer/2:risk",
            ])
    }

    @Test func invalidPoliciesAreRefusedWithClearMessages() {
        #expect(
            throws: CairnError.invalid(
                "Rule 'x' does nothing: give keep_last, archive_after_days, purge_after_days or delete_tombstones_after_years.")
        ) {
            try RetentionRule(name: "x")
        }
        #expect(throws: CairnError.self) { try RetentionRule(name: "x", keepLast: 0) }
        #expect(throws: CairnError.self) { try RetentionRule(name: "", keepLast: 1) }
        #expect(throws: CairnError.self) { try RetentionRule(name: "x", purgeAfterDays: 40_000) }
        #expect(throws: CairnError.self) {
            try RetentionPolicy(rules: [try RetentionRule(name: "a", keepLast: 1), try RetentionRule(name: "a", keepLast: 2)])
        }
        let decoded = try? JSONDecoder().decode(
            RetentionPolicy.self, from: Data(#"{"rules":[{"name":"keep","keep_last":5,"models":"fraud-*"}],"deployment_protection_days":14}"#.utf8))
        #expect(decoded?.rules.first?.keepLast == 5)
        #expect(decoded?.deploymentProtectionDays == 14)
        #expect((try? JSONDecoder().decode(RetentionPolicy.self, from: Data(#"{"rules":[{"name":"k","keep_last":-1}]}"#.utf8))) == nil)
    }

    /// Random histories and random policies: no protected version is ever in a plan, each version gets at most one
    /// action, and planning twice gives the same plan.
    @Test func protectedVersionsSurviveEveryRuleCombination() throws {
        var random = SystemRandomNumberGenerator()
        let stages: [Stage] = [.none, .staging, .production, .archived]
        for _ in 0..<300 {
            var versions: [RetentionCandidate] = []
            for model in ["a", "b", "c"] {
                for version in 1...Int.random(in: 1...12, using: &random) {
                    let stage = stages.randomElement(using: &random)!
                    let purged = stage == .archived && Bool.random(using: &random) ? Self.daysAgo(Double.random(in: 0...2000, using: &random)) : nil
                    versions.append(
                        RetentionCandidate(
                            model: model, modelTags: ["team": model], version: version, stage: stage,
                            stageSince: Self.daysAgo(Double.random(in: 0...1500, using: &random)), purgedAt: purged,
                            aliases: Int.random(in: 0..<6, using: &random) == 0 ? ["champion"] : [],
                            legalHold: Int.random(in: 0..<8, using: &random) == 0,
                            lastServedAt: Int.random(in: 0..<5, using: &random) == 0 ? Self.daysAgo(Double.random(in: -1...90, using: &random)) : nil)
                    )
                }
            }
            let rules = try (0..<Int.random(in: 1...3, using: &random)).map { index in
                let archive = Bool.random(using: &random) ? Int.random(in: 1...400, using: &random) : nil
                let purge = Bool.random(using: &random) ? Int.random(in: 1...400, using: &random) : nil
                let tombstones = Int.random(in: 0..<2, using: &random) == 0 ? 1 : nil
                let keep =
                    Bool.random(using: &random) || (archive == nil && purge == nil && tombstones == nil) ? Int.random(in: 1...4, using: &random) : nil
                return try RetentionRule(
                    name: "r\(index)", models: Bool.random(using: &random) ? nil : ["a", "b*", "?"].randomElement(using: &random), keepLast: keep,
                    archiveAfterDays: archive, purgeAfterDays: purge, deleteTombstonesAfterYears: tombstones)
            }
            let policy = try RetentionPolicy(rules: rules, deploymentProtectionDays: Int.random(in: 0...60, using: &random))
            let plan = RetentionPlanner.plan(versions, policy: policy, now: Self.now)
            let latest = Dictionary(versions.map { ($0.model, $0.version) }, uniquingKeysWith: max)
            for action in plan {
                let candidate = try #require(versions.first { $0.model == action.model && $0.version == action.version })
                #expect(candidate.stage != .production && candidate.stage != .staging)
                #expect(candidate.aliases.isEmpty && !candidate.legalHold)
                #expect(candidate.version != latest[candidate.model])
                if let served = candidate.lastServedAt {
                    #expect(Self.now.timeIntervalSince(served) > Double(policy.deploymentProtectionDays) * 86_400)
                }
            }
            #expect(Set(plan.map { "\($0.model)/\($0.version)" }).count == plan.count)
            #expect(RetentionPlanner.plan(versions, policy: policy, now: Self.now) == plan)
        }
    }
}

extension RetentionPlannerTests {
    @Test func aTombstoneWithDeploymentHistoryIsKept() throws {
        let served = RetentionCandidate(
            model: "m", version: 1, stage: .archived, stageSince: Self.daysAgo(4000), purgedAt: Self.daysAgo(3000), lastServedAt: Self.daysAgo(3500))
        let never = RetentionCandidate(model: "m", version: 2, stage: .archived, stageSince: Self.daysAgo(4000), purgedAt: Self.daysAgo(3000))
        let latest = RetentionCandidate(model: "m", version: 3, stage: .none, stageSince: Self.daysAgo(1))
        let policy = try RetentionPolicy(rules: [try RetentionRule(name: "tombstones", deleteTombstonesAfterYears: 5)])
        let plan = RetentionPlanner.evaluate([served, never, latest], policy: policy, now: Self.now)
        #expect(plan.actions.map(\.version) == [2])
        #expect(plan.held.map { "\($0.version) \($0.protection)" } == ["1 its deployment history is kept"])
    }
}
