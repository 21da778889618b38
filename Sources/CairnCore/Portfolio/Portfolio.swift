public import Foundation

/// A tenant's portfolio at a glance: what the dashboard shows, read in one transaction so its counts agree.
public struct Portfolio: Sendable, Equatable {
    /// A version in Production, where it serves now, and when its model card is due for review.
    public struct ProductionVersion: Sendable, Equatable {
        public let model: String
        public let version: Int
        public let owner: String?
        public let updatedAt: Date
        public let reviewDue: Date?
        public let reviewOverdue: Bool
        /// "environment / target" of each deployment serving now.
        public let servingOn: [String]

        public init(
            model: String, version: Int, owner: String?, updatedAt: Date, reviewDue: Date?, reviewOverdue: Bool, servingOn: [String]
        ) {
            self.model = model
            self.version = version
            self.owner = owner
            self.updatedAt = updatedAt
            self.reviewDue = reviewDue
            self.reviewOverdue = reviewOverdue
            self.servingOn = servingOn
        }
    }

    public let modelCount: Int
    /// Versions per stage; every stage is present (0 when none).
    public let versionsByStage: [Stage: Int]
    /// The first `Portfolio.productionLimit` Production versions, overdue reviews first.
    public let production: [ProductionVersion]
    /// Whether more Production versions exist than `production` holds.
    public let moreProduction: Bool
    public let pendingRequests: Int
    /// Production versions whose model card's review date has passed.
    public let overdueReviews: Int
    /// The latest stage changes, requests and their decisions, and deployments, newest first.
    public let recentChanges: [RegistryEvent]

    public static let productionLimit = 100
    public static let recentLimit = 20
    /// The event types the dashboard's activity list shows.
    public static let activityTypes = [
        "model_version.stage_changed", "transition_request.created", "transition_request.approved", "transition_request.rejected",
        "deployment.started", "deployment.ended",
    ]

    public init(
        modelCount: Int, versionsByStage: [Stage: Int], production: [ProductionVersion], moreProduction: Bool, pendingRequests: Int,
        overdueReviews: Int, recentChanges: [RegistryEvent]
    ) {
        self.modelCount = modelCount
        self.versionsByStage = versionsByStage
        self.production = production
        self.moreProduction = moreProduction
        self.pendingRequests = pendingRequests
        self.overdueReviews = overdueReviews
        self.recentChanges = recentChanges
    }
}
