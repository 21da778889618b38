import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// The approvals inbox: every pending transition request with what an approver weighs (requester, comment, the
/// version's model-card status and metrics), and the decisions the person may take. Whether they may is the
/// request's own rule (`TransitionRequest.check`), asked here only to choose which buttons to draw.
extension ConsoleRoutes {
    func addApprovalRoutes() {
        registrar.add(.get, "/ui/t/{tenant}/approvals", role: .reader) { request, _, session, scope in
            let pending = try await app.lifecycle.requests(status: .pending, model: nil, version: nil, scope)
            var rows: [ApprovalsPage.Row] = []
            for transition in pending.prefix(ApprovalsPage.shown) {
                let version = try await app.registry.version(transition.version, of: transition.modelName, scope)
                let card = try await app.registry.modelCard(transition.version, of: transition.modelName, scope)
                rows.append(ApprovalsPage.Row(transition, version: version, card: card, scope: scope, csrf: session.csrfToken))
            }
            let notice = request.uri.queryParameters["done"].map { ApprovalsPage.notice(String($0)) } ?? nil
            return page(
                "approvals", ApprovalsPage(rows: rows, total: pending.count, notice: notice, scope: scope), session: session, scope: scope,
                section: .approvals)
        }

        for (decision, role) in [(TransitionRequest.Decision.approve, Role.approver), (.reject, .approver), (.cancel, .contributor)] {
            registrar.add(.post, "/ui/t/{tenant}/approvals/{request}/\(decision.rawValue)", role: role) { request, context, _, scope in
                let form = try await FormBody(request, context: context)
                try context.requireCSRF(form["csrf"])
                guard let id = UUID(uuidString: try context.pathParameter("request")) else {
                    throw CairnError.notFound("Transition request not found.")
                }
                let comment = form["comment"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
                _ = try await app.lifecycle.decide(id, decision, comment: comment, scope)
                return ConsoleErrorMiddleware.redirect(to: Display.tenantPath(scope.tenant.slug.value, "approvals?done=\(decision.rawValue)"))
            }
        }
    }
}

struct ApprovalsPage {
    struct Row {
        let id: String
        let model: String
        let version: Int
        let href: String
        let fromStage: String
        let toStage: String
        let requestedBy: String
        let requestedAt: String
        let comment: String?
        let cardComplete: Bool
        let cardProblem: String
        let metrics: [MetricCell]
        let canDecide: Bool
        let canCancel: Bool
        let ownRequest: Bool
        let approveAction: String
        let rejectAction: String
        let cancelAction: String
        let csrf: String
    }

    struct MetricCell {
        let label: String
        let value: String
    }

    let rows: [Row]
    let empty: Bool
    let total: Int
    let more: Bool
    let shownCount: Int
    let notice: String?
    let fourEyes: Bool

    static let shown = 50

    init(rows: [Row], total: Int, notice: String?, scope: RequestScope) {
        self.rows = rows
        empty = rows.isEmpty
        self.total = total
        more = total > rows.count
        shownCount = rows.count
        self.notice = notice
        fourEyes = scope.policy.fourEyesProduction
    }

    static func notice(_ done: String) -> String? {
        switch done {
        case "approve": "Approved. The version has moved."
        case "reject": "Rejected. The requester sees your comment."
        case "cancel": "Request cancelled."
        default: nil
        }
    }
}

extension ApprovalsPage.Row {
    init(_ request: TransitionRequest, version: ModelVersion, card: ModelCard, scope: RequestScope, csrf: String) {
        let slug = scope.tenant.slug.value
        let me = scope.principal.username
        id = request.id.uuidString.lowercased()
        model = request.modelName
        self.version = request.version
        href = Display.versionPath(slug, request.modelName, request.version)
        fromStage = request.fromStage.rawValue
        toStage = request.toStage.rawValue
        requestedBy = request.requestedBy
        requestedAt = Display.time(request.requestedAt)
        comment = request.comment.isEmpty ? nil : request.comment
        do {
            try scope.policy.checkCard(card, to: request.toStage)
            cardComplete = true
            cardProblem = ""
        } catch {
            cardComplete = false
            cardProblem = error.message
        }
        metrics = version.metrics.prefix(6).map { ApprovalsPage.MetricCell(label: "\($0.key) @ \($0.dataset)", value: Display.number($0.value)) }
        canDecide = (try? request.check(.approve, by: me, role: scope.role)) != nil
        canCancel = (try? request.check(.cancel, by: me, role: scope.role)) != nil
        ownRequest = LoginName(me) == LoginName(request.requestedBy)
        let base = Display.tenantPath(slug, "approvals/\(id)/")
        approveAction = base + "approve"
        rejectAction = base + "reject"
        cancelAction = base + "cancel"
        self.csrf = csrf
    }
}
