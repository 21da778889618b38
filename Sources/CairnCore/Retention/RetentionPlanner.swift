public import Foundation

/// What the planner knows of one version: enough to decide, nothing more.
public struct RetentionCandidate: Sendable, Equatable {
    public let model: String
    public let modelTags: [String: String]
    public let version: Int
    public let stage: Stage
    /// When the version entered its current stage.
    public let stageSince: Date
    /// When its files were purged (it is a tombstone), if they were.
    public let purgedAt: Date?
    public let aliases: [String]
    public let legalHold: Bool
    /// When it last served anywhere: `now` or later while it is deployed, nil if never deployed.
    public let lastServedAt: Date?

    public init(
        model: String, modelTags: [String: String] = [:], version: Int, stage: Stage, stageSince: Date, purgedAt: Date? = nil,
        aliases: [String] = [], legalHold: Bool = false, lastServedAt: Date? = nil
    ) {
        self.model = model
        self.modelTags = modelTags
        self.version = version
        self.stage = stage
        self.stageSince = stageSince
        self.purgedAt = purgedAt
        self.aliases = aliases
        self.legalHold = legalHold
        self.lastServedAt = lastServedAt
    }
}

public struct RetentionAction: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case archive, purge
        case deleteTombstone = "delete_tombstone"
    }

    public let kind: Kind
    public let model: String
    public let version: Int
    /// The rule that caused it.
    public let rule: String
    public let reason: String

    public init(kind: Kind, model: String, version: Int, rule: String, reason: String) {
        self.kind = kind
        self.model = model
        self.version = version
        self.rule = rule
        self.reason = reason
    }
}

/// What a policy does now: the actions, and the versions a rule reached but protection held back (so an admin sees
/// why a stale candidate stays).
public struct RetentionPlan: Sendable, Equatable {
    public let actions: [RetentionAction]
    public let held: [HeldVersion]

    public struct HeldVersion: Sendable, Equatable {
        public let model: String
        public let version: Int
        /// What the rule would have done.
        public let kind: RetentionAction.Kind
        public let rule: String
        public let protection: String
    }

    public func count(_ kind: RetentionAction.Kind) -> Int { actions.count { $0.kind == kind } }
}

/// Plans what a policy does now. Pure: the same versions, policy and time give the same plan, so a preview is
/// exactly what a run then does. Protected versions are never acted on, whatever the rules say.
public enum RetentionPlanner {
    public static func plan(_ versions: [RetentionCandidate], policy: RetentionPolicy, now: Date) -> [RetentionAction] {
        evaluate(versions, policy: policy, now: now).actions
    }

    public static func evaluate(_ versions: [RetentionCandidate], policy: RetentionPolicy, now: Date) -> RetentionPlan {
        let latest = Dictionary(versions.map { ($0.model, $0.version) }, uniquingKeysWith: max)
        var actions: [String: RetentionAction] = [:]  // one action per version: the first rule's
        var held: [String: RetentionPlan.HeldVersion] = [:]
        func key(_ candidate: RetentionCandidate) -> String { "\(candidate.model)\u{0}\(candidate.version)" }
        let byModel = Dictionary(grouping: versions, by: \.model)

        for rule in policy.rules {
            for (model, modelVersions) in byModel.sorted(by: { $0.key < $1.key }) {
                guard let tags = modelVersions.first?.modelTags, rule.covers(model: model, tags: tags) else { continue }
                for (candidate, kind, reason) in proposals(of: rule, for: modelVersions, now: now) {
                    let id = key(candidate)
                    guard actions[id] == nil, held[id] == nil else { continue }
                    if let why = blocker(of: candidate, kind: kind, latest: latest[model], policy: policy, now: now) {
                        held[id] = .init(model: model, version: candidate.version, kind: kind, rule: rule.name, protection: why)
                    } else {
                        actions[id] = RetentionAction(kind: kind, model: model, version: candidate.version, rule: rule.name, reason: reason)
                    }
                }
            }
        }
        let order: (String, Int, String, Int) -> Bool = { ($0, $1) < ($2, $3) }
        return RetentionPlan(
            actions: actions.values.sorted { order($0.model, $0.version, $1.model, $1.version) },
            held: held.values.sorted { order($0.model, $0.version, $1.model, $1.version) })
    }

    /// What one rule would do to one model's versions, before protection.
    private static func proposals(of rule: RetentionRule, for modelVersions: [RetentionCandidate], now: Date)
        -> [(RetentionCandidate, RetentionAction.Kind, String)]
    {
        var proposed: [(RetentionCandidate, RetentionAction.Kind, String)] = []
        if let keep = rule.keepLast {
            let live = modelVersions.filter { $0.stage != .archived && $0.purgedAt == nil }.sorted { $0.version > $1.version }
            for candidate in live.dropFirst(keep) {
                proposed.append((candidate, .archive, "older than the newest \(keep) versions"))
            }
        }
        if let days = rule.archiveAfterDays {
            for candidate in modelVersions where candidate.stage != .archived && candidate.stage != .production && candidate.purgedAt == nil {
                if now.timeIntervalSince(candidate.stageSince) > Double(days) * 86_400 {
                    proposed.append((candidate, .archive, "in \(candidate.stage.rawValue) for more than \(days) days"))
                }
            }
        }
        if let days = rule.purgeAfterDays {
            for candidate in modelVersions where candidate.stage == .archived && candidate.purgedAt == nil {
                if now.timeIntervalSince(candidate.stageSince) > Double(days) * 86_400 {
                    proposed.append((candidate, .purge, "archived for more than \(days) days"))
                }
            }
        }
        if let years = rule.deleteTombstonesAfterYears {
            for candidate in modelVersions {
                guard let purgedAt = candidate.purgedAt, now.timeIntervalSince(purgedAt) > Double(years) * 365.25 * 86_400 else { continue }
                proposed.append((candidate, .deleteTombstone, "a tombstone for more than \(years) years"))
            }
        }
        return proposed
    }

    /// Protection, plus what keeps a tombstone: the deployment history of a version that ever served is kept, so
    /// "what was serving then?" keeps its answer.
    public static func blocker(of candidate: RetentionCandidate, kind: RetentionAction.Kind, latest: Int?, policy: RetentionPolicy, now: Date)
        -> String?
    {
        if let why = protection(of: candidate, latest: latest, policy: policy, now: now) { return why }
        if kind == .deleteTombstone, candidate.lastServedAt != nil { return "its deployment history is kept" }
        return nil
    }

    /// Why no rule may archive, purge or delete this version (nil when it is not protected). The database
    /// repeats these checks in a trigger.
    public static func protection(of candidate: RetentionCandidate, latest: Int?, policy: RetentionPolicy, now: Date) -> String? {
        if candidate.stage == .production { return "in Production" }
        if candidate.stage == .staging { return "in Staging" }
        if let alias = candidate.aliases.sorted().first { return "alias '\(alias)' points at it" }
        if candidate.legalHold { return "under legal hold" }
        if let served = candidate.lastServedAt, now.timeIntervalSince(served) <= Double(policy.deploymentProtectionDays) * 86_400 {
            return served >= now ? "deployed now" : "deployed within the last \(policy.deploymentProtectionDays) days"
        }
        if candidate.version == latest { return "the latest version of its model" }
        return nil
    }
}
