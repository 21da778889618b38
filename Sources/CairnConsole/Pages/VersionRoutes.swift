import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// A version's page (lineage, metrics per dataset, model card, files, deployments, audit trail) and the forms that
/// change it: a stage move or request, and the model card. Which forms show comes from the use cases
/// (`Lifecycle.offeredMoves`, the card rule); the same use cases refuse what the person may not do.
extension ConsoleRoutes {
    func addVersionRoutes() {
        let path = "/ui/t/{tenant}/models/{model}/versions/{version}"
        registrar.add(.get, path, role: .reader) { request, context, session, scope in
            let model = try context.pathParameter("model")
            let number = try context.versionParameter()
            let version = try await app.registry.version(number, of: model, scope)
            let card = try await app.registry.modelCard(number, of: model, scope)
            let files = try await app.files.files(version: number, of: model, scope)
            let deployments = try await app.deployments.history(of: number, of: version.modelName, scope)
            let requests = try await app.lifecycle.requests(status: .pending, model: version.modelName, version: number, scope)
            let audit: [AuditEntry]? =
                scope.role >= .approver
                ? try await app.audit.entries(
                    AuditQuery(maxResults: VersionDetailPage.auditShown, version: .init(model: version.modelName, version: number)),
                    scope)
                : nil
            let notice = request.uri.queryParameters["done"].flatMap { VersionDetailPage.notice(String($0)) }
            return page(
                "version",
                VersionDetailPage(
                    version, card: card, files: files, deployments: deployments, pending: requests, audit: audit,
                    moves: app.lifecycle.offeredMoves(for: version, scope), scope: scope, csrf: session.csrfToken, notice: notice),
                session: session, scope: scope, section: .models)
        }

        registrar.add(.post, path + "/stage", role: .contributor) { request, context, _, scope in
            let form = try await FormBody(request, context: context)
            try context.requireCSRF(form["csrf"])
            let model = try context.pathParameter("model")
            let number = try context.versionParameter()
            let change = try StageChange(
                toStage: try Stage(validating: try form.required("stage", label: "The stage")), comment: form["comment"],
                archiveExisting: form["archive_existing"] == "on")
            let outcome = try await app.lifecycle.changeStage(number, of: model, change, scope)
            let done = if case .requested = outcome { "requested" } else { "moved" }
            return ConsoleErrorMiddleware.redirect(to: Display.versionPath(scope.tenant.slug.value, model, number) + "?done=\(done)")
        }

        registrar.add(.post, path + "/card", role: .contributor) { request, context, _, scope in
            let form = try await FormBody(request, context: context)
            try context.requireCSRF(form["csrf"])
            let model = try context.pathParameter("model")
            let number = try context.versionParameter()
            var object: JSONObject = [:]
            for field in ModelCard.fields {
                let value = form[field]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                object[field] = value.isEmpty ? .null : .string(value)
            }
            _ = try await app.registry.setModelCard(try ModelCard(validating: object), version: number, of: model, scope)
            return ConsoleErrorMiddleware.redirect(to: Display.versionPath(scope.tenant.slug.value, model, number) + "?done=card")
        }
    }
}

struct VersionDetailPage {
    struct Move {
        let stage: String
        let label: String
    }

    struct MetricGroup {
        let dataset: String
        let metrics: [MetricRow]
    }

    struct MetricRow {
        let key: String
        let value: String
        let fairness: Bool
    }

    struct CardField {
        let name: String
        let label: String
        let value: String
        let filled: Bool
        let html: String
        let required: Bool
        let missing: Bool
        let multiline: Bool
    }

    struct FileRow {
        let path: String
        let size: String
        let digest: String
    }

    struct DeploymentRow {
        let environment: String
        let target: String
        let from: String
        let until: String
        let active: Bool
        let deployedBy: String
        let comment: String?
    }

    struct AuditRow {
        let at: String
        let actor: String
        let action: String
    }

    struct PendingRow {
        let toStage: String
        let requestedBy: String
        let requestedAt: String
        let comment: String?
    }

    static let auditShown = 50

    let model: String
    let version: Int
    let stage: String
    let status: String
    let modelHref: String
    let aliases: String?
    let legalHold: Bool
    let description: String?
    let createdBy: String
    let created: String
    let lineage: [LinkedValue]
    let runLink: String?
    let hyperparameters: [KeyValue]
    let metricGroups: [MetricGroup]
    let card: [CardField]
    let cardGate: String
    let canEditCard: Bool
    let cardEditNote: String?
    let cardAction: String
    let files: [FileRow]
    let filesDigest: String?
    let deployments: [DeploymentRow]
    let pending: [PendingRow]
    let approvalsHref: String
    let audit: [AuditRow]
    let moves: [Move]
    let hasMoves: Bool
    let showsAudit: Bool
    let stageAction: String
    let csrf: String
    let notice: String?

    static func notice(_ done: String) -> String? {
        switch done {
        case "requested": "Requested. A different approver decides it in the approvals inbox."
        case "moved": "Stage changed."
        case "card": "Model card saved."
        default: nil
        }
    }

    /// Metric names that describe fairness across groups; shown marked as such.
    static func isFairness(_ key: String) -> Bool {
        let key = key.lowercased()
        return ["fairness", "parity", "disparate", "equal_opportunity", "equalized_odds", "bias"].contains { key.contains($0) }
    }

    init(
        _ version: ModelVersion, card: ModelCard, files: VersionFiles, deployments: [Deployment], pending: [TransitionRequest],
        audit: [AuditEntry]?, moves: [OfferedMove], scope: RequestScope, csrf: String, notice: String?
    ) {
        let slug = scope.tenant.slug.value
        model = version.modelName
        self.version = version.version
        stage = version.stage.rawValue
        status = version.status.rawValue
        modelHref = Display.modelPath(slug, version.modelName)
        aliases = version.aliases.isEmpty ? nil : version.aliases.sorted().map { "@" + $0 }.joined(separator: " ")
        legalHold = version.legalHold
        description = version.description.isEmpty ? nil : version.description
        createdBy = version.createdBy
        created = Display.time(version.createdAt)
        let lineage = version.lineage
        var rows: [LinkedValue] = []
        if let repository = lineage.codeRepository {
            rows.append(LinkedValue(label: "Code repository", value: repository, href: LinkedValue.web(repository)))
        }
        if let commit = lineage.codeCommit {
            let href = lineage.codeRepository.flatMap(LinkedValue.web).map { $0.hasSuffix("/") ? $0 + "commit/" + commit : $0 + "/commit/" + commit }
            rows.append(LinkedValue(label: "Commit", value: commit, href: href))
        }
        if let dataset = lineage.datasetURI { rows.append(LinkedValue(label: "Training data", value: dataset, href: nil)) }
        if let datasetVersion = lineage.datasetVersion { rows.append(LinkedValue(label: "Data version", value: datasetVersion, href: nil)) }
        if let digest = lineage.datasetDigest { rows.append(LinkedValue(label: "Data digest", value: digest, href: nil)) }
        if let run = version.runID { rows.append(LinkedValue(label: "Run", value: run, href: nil)) }
        if let source = version.source { rows.append(LinkedValue(label: "Source", value: source, href: nil)) }
        self.lineage = rows
        runLink = version.runLink.flatMap(LinkedValue.web)
        hyperparameters = version.hyperparameters.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: LinkedValue.text($0.value)) }
        metricGroups = Dictionary(grouping: version.metrics, by: \.dataset).sorted { $0.key < $1.key }.map { dataset, metrics in
            MetricGroup(
                dataset: dataset.isEmpty ? "no dataset recorded" : dataset,
                metrics: metrics.sorted { $0.key < $1.key }.map {
                    MetricRow(key: $0.key, value: Display.number($0.value), fairness: Self.isFairness($0.key))
                })
        }
        let required = scope.policy.requiredCardFields
        let missing = Set(card.missing(required))
        self.card = ModelCard.fields.map { field in
            let value = card.values[field] ?? ""
            return CardField(
                name: field, label: field.replacingOccurrences(of: "_", with: " ").capitalized, value: value, filled: !value.isEmpty,
                html: Markdown.html(value),
                required: required.contains(field), missing: missing.contains(field),
                multiline: field != "owner" && field != "contact" && field != "review_by")
        }
        cardGate =
            required.isEmpty
            ? "This tenant requires no model card fields before Production."
            : missing.isEmpty
                ? "Complete: every field this tenant requires before Production is filled in (\(required.joined(separator: ", ")))."
                : "Before Production this tenant requires: \(required.joined(separator: ", ")). Missing: \(ModelCard.fields.filter(missing.contains).joined(separator: ", "))."
        let production = version.stage == .production
        canEditCard = production ? scope.role >= .approver : scope.role >= .contributor
        cardEditNote =
            production && scope.role < .approver
            ? "This version is in Production: only an approver changes its model card." : nil
        cardAction = Display.versionPath(slug, version.modelName, version.version) + "/card"
        self.files = files.files.map {
            FileRow(path: $0.path.value, size: ByteCountFormatter.string(fromByteCount: $0.size, countStyle: .binary), digest: $0.digest.description)
        }
        filesDigest = files.filesDigest?.description
        self.deployments = deployments.map { deployment in
            DeploymentRow(
                environment: deployment.environment, target: deployment.target, from: Display.time(deployment.from),
                until: deployment.until.map(Display.time) ?? "now", active: deployment.until == nil, deployedBy: deployment.deployedBy,
                comment: deployment.comment.isEmpty ? nil : deployment.comment)
        }
        self.pending = pending.map {
            PendingRow(
                toStage: $0.toStage.rawValue, requestedBy: $0.requestedBy, requestedAt: Display.time($0.requestedAt),
                comment: $0.comment.isEmpty ? nil : $0.comment)
        }
        approvalsHref = Display.tenantPath(slug, "approvals")
        self.audit = (audit ?? []).map { AuditRow(at: $0.at, actor: $0.actor, action: $0.action) }
        self.moves =
            pending.isEmpty
            ? moves.map { Move(stage: $0.stage.rawValue, label: ($0.needsApproval ? "Request " : "Move to ") + $0.stage.rawValue) }
            : []
        hasMoves = !self.moves.isEmpty
        showsAudit = audit != nil
        stageAction = Display.versionPath(slug, version.modelName, version.version) + "/stage"
        self.csrf = csrf
        self.notice = notice
    }
}

/// A value that may link somewhere (only http and https links are ever drawn).
struct LinkedValue {
    let label: String
    let value: String
    let href: String?

    static func web(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            return nil
        }
        return text
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): Display.number(number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array, .object: (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "…"
        }
    }
}
