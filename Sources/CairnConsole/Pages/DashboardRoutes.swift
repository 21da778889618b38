import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// A tenant's portfolio: versions by stage, Production with where it serves and when its card is due for review,
/// what waits for approval, and the latest stage changes and deployments.
extension ConsoleRoutes {
    func addDashboardRoutes() {
        registrar.add(.get, "/ui/t/{tenant}", role: .reader) { _, _, session, scope in
            let portfolio = try await app.dashboard.portfolio(scope)
            let pending = try await app.lifecycle.requests(status: .pending, model: nil, version: nil, scope)
            return page("dashboard", DashboardPage(portfolio, pending: pending, scope: scope), session: session, scope: scope, section: .dashboard)
        }
    }
}

struct DashboardPage {
    struct StageCount {
        let stage: String
        let count: Int
        let href: String
    }

    struct ProductionRow {
        let model: String
        let version: Int
        let href: String
        let servingOn: String
        let owner: String
        let updated: String
        let reviewDue: String
        let overdue: Bool
    }

    struct RequestRow {
        let model: String
        let version: Int
        let href: String
        let toStage: String
        let requestedBy: String
        let requestedAt: String
    }

    struct Activity {
        let at: String
        let text: String
        let actor: String
        let href: String?
    }

    let slug: String
    let modelCount: Int
    let stages: [StageCount]
    let production: [ProductionRow]
    let noProduction: Bool
    let moreProduction: Bool
    let pendingCount: Int
    let overdueReviews: Int
    let hasPending: Bool
    let hasOverdue: Bool
    let pending: [RequestRow]
    let morePending: Bool
    let activity: [Activity]
    let modelsHref: String
    let approvalsHref: String

    static let pendingShown = 5

    init(_ portfolio: Portfolio, pending: [TransitionRequest], scope: RequestScope) {
        let slug = scope.tenant.slug.value
        self.slug = slug
        modelCount = portfolio.modelCount
        stages = Stage.allCases.map { stage in
            StageCount(
                stage: stage.rawValue, count: portfolio.versionsByStage[stage] ?? 0,
                href: Display.tenantPath(slug, "models?filter=" + Display.query("stage = '\(stage.rawValue)'")))
        }
        production = portfolio.production.map { row in
            ProductionRow(
                model: row.model, version: row.version, href: Display.versionPath(slug, row.model, row.version),
                servingOn: row.servingOn.isEmpty ? "not deployed" : row.servingOn.joined(separator: ", "), owner: row.owner ?? "—",
                updated: Display.time(row.updatedAt), reviewDue: row.reviewDue.map(Display.day) ?? "not set", overdue: row.reviewOverdue)
        }
        noProduction = portfolio.production.isEmpty
        moreProduction = portfolio.moreProduction
        pendingCount = portfolio.pendingRequests
        overdueReviews = portfolio.overdueReviews
        hasPending = portfolio.pendingRequests > 0
        hasOverdue = portfolio.overdueReviews > 0
        self.pending = pending.prefix(Self.pendingShown).map { request in
            RequestRow(
                model: request.modelName, version: request.version, href: Display.versionPath(slug, request.modelName, request.version),
                toStage: request.toStage.rawValue, requestedBy: request.requestedBy, requestedAt: Display.time(request.requestedAt))
        }
        morePending = pending.count > Self.pendingShown
        activity = portfolio.recentChanges.map { Self.activity($0, slug: slug) }
        modelsHref = Display.tenantPath(slug, "models")
        approvalsHref = Display.tenantPath(slug, "approvals")
    }

    static func activity(_ event: RegistryEvent, slug: String) -> Activity {
        let after: [String: JSONValue] =
            if case .object(let payload) = event.payload, case .object(let after)? = payload["after"] { after } else { [:] }
        func text(_ key: String) -> String { if case .string(let value)? = after[key] { value } else { "?" } }
        // A version's own entries name it as "model/version" (the model name may hold slashes; the number may not).
        var model = event.model
        var version = event.version
        if event.objectType == "model_version", let slash = event.objectID.lastIndex(of: "/"), let number = Int(event.objectID[slash...].dropFirst())
        {
            model = model ?? String(event.objectID[..<slash])
            version = version ?? number
        }
        let subject = model.map { model in version.map { "\(model) v\($0)" } ?? model } ?? event.objectID
        let href = model.flatMap { model in version.map { Display.versionPath(slug, model, $0) } }
        let sentence =
            switch event.type {
            case "model_version.stage_changed": "\(subject) moved to \(text("stage"))"
            case "transition_request.created": "\(subject): \(text("to_stage")) requested"
            case "transition_request.approved": "\(subject): \(text("to_stage")) approved"
            case "transition_request.rejected": "\(subject): \(text("to_stage")) rejected"
            case "deployment.started": "\(subject) deployed to \(text("environment")) / \(text("target"))"
            case "deployment.ended": "\(subject) stopped serving \(text("environment")) / \(text("target"))"
            default: "\(subject): \(event.type)"
            }
        return Activity(at: Display.time(event.at), text: sentence, actor: event.actor, href: href)
    }
}
