/// Which stage moves exist and who may make them — pure rules, the same for direct transitions and approvals.
///
///     None ──contributor──▶ Staging ──approver──▶ Production ──approver──▶ Archived
///       ▲                     │  ▲                                            │
///       └────contributor──────┘  └──────────────admin (restore)───────────────┘
///     None or Staging ──approver──▶ Archived;  Archived ──admin──▶ None
public enum StageRules {
    public static func requiredRole(from: Stage, to: Stage) throws(CairnError) -> Role {
        switch (from, to) {
        case (.none, .staging), (.staging, .none): return .contributor
        case (.staging, .production), (.production, .archived), (.staging, .archived), (.none, .archived): return .approver
        case (.archived, .none), (.archived, .staging): return .admin
        case _ where from == to:
            throw CairnError(.invalidState, "The version is already in \(to.rawValue).")
        default:
            throw CairnError(.invalidState, "A version cannot move from \(from.rawValue) to \(to.rawValue)\(hint(from: from, to: to)).")
        }
    }

    private static func hint(from: Stage, to: Stage) -> String {
        switch (from, to) {
        case (.none, .production): "; move it to Staging first"
        case (.production, .none), (.production, .staging): "; archive it, or promote another version with archive_existing"
        default: ""
        }
    }

    /// Only registered versions are promoted.
    public static func check(status: VersionStatus, to: Stage) throws(CairnError) {
        if (to == .staging || to == .production) && status != .ready {
            throw CairnError(.invalidState, "Only READY versions can move to \(to.rawValue); this one is \(status.rawValue).")
        }
    }
}

/// Tenant settings that govern the lifecycle (in the tenant's `settings` object).
public struct LifecyclePolicy: Sendable, Equatable {
    /// A move to Production is a request that a different approver must approve (default on).
    public var fourEyesProduction: Bool
    /// At most one version of a model in Production at a time (default off).
    public var singleProductionVersion: Bool
    /// Model card fields that must be filled before a version enters Production.
    public var requiredCardFields: [String]

    public init(fourEyesProduction: Bool = true, singleProductionVersion: Bool = false, requiredCardFields: [String] = []) {
        self.fourEyesProduction = fourEyesProduction
        self.singleProductionVersion = singleProductionVersion
        self.requiredCardFields = requiredCardFields
    }

    public init(settings: JSONObject) {
        var policy = LifecyclePolicy()
        if case .bool(let value)? = settings["four_eyes_production"] { policy.fourEyesProduction = value }
        if case .bool(let value)? = settings["single_production_version"] { policy.singleProductionVersion = value }
        policy.requiredCardFields = TenantSettings.requiredCardFields(settings)
        self = policy
    }

    /// Refuses Production while a required card field is empty, naming the fields.
    public func checkCard(_ card: ModelCard, to stage: Stage) throws(CairnError) {
        guard needsCard(to: stage) else { return }
        let missing = card.missing(requiredCardFields)
        guard missing.isEmpty else {
            throw CairnError(.invalidState, "The model card must be complete before Production; missing: \(missing.joined(separator: ", ")).")
        }
    }

    /// Whether moving to `stage` looks at the model card at all (a store need not read it otherwise).
    public func needsCard(to stage: Stage) -> Bool { stage == .production }

    /// Whether moving to `stage` must go through a transition request.
    public func needsApproval(to stage: Stage) -> Bool { fourEyesProduction && stage == .production }
}
