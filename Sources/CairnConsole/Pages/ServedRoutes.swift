import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// "What served when": an environment (or all) and an instant; each deployment serving then, with its version, who
/// approved that version's promotion, and (for approvers) the version's audit trail.
extension ConsoleRoutes {
    func addServedRoutes() {
        registrar.add(.get, "/ui/t/{tenant}/served", role: .reader) { request, _, session, scope in
            let query = request.uri.queryParameters
            let environment = query["environment"].map(String.init).flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            let atText = query["at"].map(String.init) ?? ""
            let instant: Date
            do {
                instant = atText.isEmpty ? Date() : try InstantInput.parse(atText, field: "at")
            } catch let error as CairnError {
                return page(
                    "served", ServedPage(problem: error.message, environment: environment, atText: atText), session: session, scope: scope,
                    section: .served, status: .badRequest)
            }
            var rows: [ServedPage.Row] = []
            for deployment in try await app.deployments.serving(at: instant, environment: environment, scope).prefix(ServedPage.shown) {
                let approvals = try await app.lifecycle.requests(status: .approved, model: deployment.modelName, version: deployment.version, scope)
                    .filter { $0.decidedAt.map { $0 <= instant } ?? false }
                let audit: [AuditEntry] =
                    scope.role >= .approver
                    ? try await app.audit.entries(
                        AuditQuery(
                            until: instant, maxResults: ServedPage.auditShown,
                            version: .init(model: deployment.modelName, version: deployment.version)),
                        scope)
                    : []
                rows.append(ServedPage.Row(deployment, approvals: approvals, audit: audit, slug: scope.tenant.slug.value))
            }
            return page(
                "served", ServedPage(rows: rows, environment: environment, instant: instant, showsAudit: scope.role >= .approver), session: session,
                scope: scope, section: .served)
        }
    }
}

struct ServedPage {
    struct Row {
        let model: String
        let version: Int
        let href: String
        let environment: String
        let target: String
        let from: String
        let until: String
        let deployedBy: String
        let approvals: [Approval]
        let noApproval: Bool
        let audit: [VersionDetailPage.AuditRow]
        let hasAudit: Bool
    }

    struct Approval {
        let toStage: String
        let requestedBy: String
        let decidedBy: String
        let decidedAt: String
        let comment: String?
    }

    static let shown = 100
    static let auditShown = 20

    let environment: String
    let at: String
    let asked: String?
    let rows: [Row]
    let empty: Bool
    let problem: String?
    let showsAudit: Bool

    init(rows: [Row], environment: String?, instant: Date, showsAudit: Bool) {
        self.environment = environment ?? ""
        at = InstantInput.local(instant)
        asked = Display.time(instant) + (environment.map { " in \($0)" } ?? " in every environment")
        self.rows = rows
        empty = rows.isEmpty
        problem = nil
        self.showsAudit = showsAudit
    }

    init(problem: String, environment: String?, atText: String) {
        self.environment = environment ?? ""
        at = atText
        asked = nil
        rows = []
        empty = false
        self.problem = problem
        showsAudit = false
    }
}

extension ServedPage.Row {
    init(_ deployment: Deployment, approvals: [TransitionRequest], audit: [AuditEntry], slug: String) {
        model = deployment.modelName
        version = deployment.version
        href = Display.versionPath(slug, deployment.modelName, deployment.version)
        environment = deployment.environment
        target = deployment.target
        from = Display.time(deployment.from)
        until = deployment.until.map(Display.time) ?? "still serving"
        deployedBy = deployment.deployedBy
        self.approvals = approvals.map {
            ServedPage.Approval(
                toStage: $0.toStage.rawValue, requestedBy: $0.requestedBy, decidedBy: $0.decidedBy ?? "—",
                decidedAt: $0.decidedAt.map(Display.time) ?? "—", comment: ($0.decisionComment ?? "").isEmpty ? nil : $0.decisionComment)
        }
        noApproval = approvals.isEmpty
        self.audit = audit.map { VersionDetailPage.AuditRow(at: $0.at, actor: $0.actor, action: $0.action) }
        hasAudit = !audit.isEmpty
    }
}
