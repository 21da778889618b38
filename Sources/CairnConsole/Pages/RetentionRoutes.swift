import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// The tenant admin's retention policy editor: the stored policy as editable rule rows, a preview of exactly what a
/// draft would archive, purge or delete now (and which versions protection keeps), and saving it.
extension ConsoleRoutes {
    func addRetentionRoutes() {
        let base = "/ui/t/{tenant}/admin/retention"
        registrar.add(.get, base, role: .admin) { request, _, session, scope in
            let stored = try await app.retention.policy(scope)
            let draft = RetentionDraft(stored?.policy)
            let notice = request.uri.queryParameters["done"] == "saved" ? "Policy saved: revision \(stored?.revision ?? 0)." : nil
            return page(
                "retention",
                RetentionPage(draft: draft, stored: stored, preview: nil, problem: nil, notice: notice, scope: scope, csrf: session.csrfToken),
                session: session, scope: scope, section: .admin)
        }

        registrar.add(.post, base + "/preview", role: .admin) { request, context, session, scope in
            let form = try await FormBody(request, context: context)
            try context.requireCSRF(form["csrf"])
            let draft = RetentionDraft(form)
            let stored = try await app.retention.policy(scope)
            do {
                let preview = try await app.retention.preview(try draft.policy(), scope)
                return page(
                    "retention",
                    RetentionPage(draft: draft, stored: stored, preview: preview, problem: nil, notice: nil, scope: scope, csrf: session.csrfToken),
                    session: session, scope: scope, section: .admin)
            } catch let error as CairnError where error.code == .invalidParameterValue {
                return page(
                    "retention",
                    RetentionPage(
                        draft: draft, stored: stored, preview: nil, problem: error.message, notice: nil, scope: scope, csrf: session.csrfToken),
                    session: session, scope: scope, section: .admin, status: .badRequest)
            }
        }

        registrar.add(.post, base, role: .admin) { request, context, session, scope in
            let form = try await FormBody(request, context: context)
            try context.requireCSRF(form["csrf"])
            let draft = RetentionDraft(form)
            do {
                _ = try await app.retention.setPolicy(try draft.policy(), scope)
            } catch let error as CairnError where error.code == .invalidParameterValue {
                let stored = try await app.retention.policy(scope)
                return page(
                    "retention",
                    RetentionPage(
                        draft: draft, stored: stored, preview: nil, problem: error.message, notice: nil, scope: scope, csrf: session.csrfToken),
                    session: session, scope: scope, section: .admin, status: .badRequest)
            }
            return ConsoleErrorMiddleware.redirect(to: Display.tenantPath(scope.tenant.slug.value, "admin/retention?done=saved"))
        }
    }
}

/// A policy as the editor's fields hold it: text as typed, so a refused draft comes back as it was written.
struct RetentionDraft {
    struct Rule {
        let index: Int
        let name: String
        let models: String
        let tagKey: String
        let tagValue: String
        let keepLast: String
        let archiveAfterDays: String
        let purgeAfterDays: String
        let deleteTombstonesAfterYears: String

        var isBlank: Bool {
            [name, models, tagKey, tagValue, keepLast, archiveAfterDays, purgeAfterDays, deleteTombstonesAfterYears].allSatisfy(\.isEmpty)
        }
    }

    /// Rows the editor always offers beyond the stored rules.
    static let spareRows = 2
    static let maxRows = 50

    let rules: [Rule]
    let deploymentProtectionDays: String

    init(_ policy: RetentionPolicy?) {
        let stored = (policy?.rules ?? []).enumerated().map { index, rule in
            Rule(
                index: index, name: rule.name, models: rule.models ?? "", tagKey: rule.tag?.key ?? "", tagValue: rule.tag?.value ?? "",
                keepLast: rule.keepLast.map(String.init) ?? "", archiveAfterDays: rule.archiveAfterDays.map(String.init) ?? "",
                purgeAfterDays: rule.purgeAfterDays.map(String.init) ?? "",
                deleteTombstonesAfterYears: rule.deleteTombstonesAfterYears.map(String.init) ?? "")
        }
        rules = stored + (0..<Self.spareRows).map { Self.blank(stored.count + $0) }
        deploymentProtectionDays = String(policy?.deploymentProtectionDays ?? 30)
    }

    init(_ form: FormBody) {
        var rows: [Rule] = []
        for index in 0..<Self.maxRows {
            func field(_ name: String) -> String { form["rule\(index)_\(name)"]?.trimmingCharacters(in: .whitespaces) ?? "" }
            let row = Rule(
                index: index, name: field("name"), models: field("models"), tagKey: field("tag_key"), tagValue: field("tag_value"),
                keepLast: field("keep_last"), archiveAfterDays: field("archive_after_days"), purgeAfterDays: field("purge_after_days"),
                deleteTombstonesAfterYears: field("delete_tombstones_after_years"))
            if !row.isBlank { rows.append(row) }
        }
        rules =
            rows.enumerated().map { index, row in
                Rule(
                    index: index, name: row.name, models: row.models, tagKey: row.tagKey, tagValue: row.tagValue, keepLast: row.keepLast,
                    archiveAfterDays: row.archiveAfterDays, purgeAfterDays: row.purgeAfterDays,
                    deleteTombstonesAfterYears: row.deleteTombstonesAfterYears)
            } + (0..<Self.spareRows).map { Self.blank(rows.count + $0) }
        deploymentProtectionDays = form["deployment_protection_days"]?.trimmingCharacters(in: .whitespaces) ?? "30"
    }

    private static func blank(_ index: Int) -> Rule {
        Rule(
            index: index, name: "", models: "", tagKey: "", tagValue: "", keepLast: "", archiveAfterDays: "", purgeAfterDays: "",
            deleteTombstonesAfterYears: "")
    }

    /// The policy the fields describe; the domain's own checks say what is wrong with it.
    func policy() throws(CairnError) -> RetentionPolicy {
        func number(_ text: String, _ field: String, rule: String) throws(CairnError) -> Int? {
            guard !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else { throw .invalid("Rule '\(rule.prefix(64))': '\(field)' must be a whole number.") }
            return value
        }
        var rules: [RetentionRule] = []
        for row in self.rules where !row.isBlank {
            if row.tagKey.isEmpty, !row.tagValue.isEmpty { throw .invalid("Rule '\(row.name.prefix(64))': a tag value needs a tag key.") }
            rules.append(
                try RetentionRule(
                    name: row.name, models: row.models.isEmpty ? nil : row.models,
                    tag: row.tagKey.isEmpty ? nil : .init(key: row.tagKey, value: row.tagValue.isEmpty ? nil : row.tagValue),
                    keepLast: try number(row.keepLast, "keep last", rule: row.name),
                    archiveAfterDays: try number(row.archiveAfterDays, "archive after days", rule: row.name),
                    purgeAfterDays: try number(row.purgeAfterDays, "purge after days", rule: row.name),
                    deleteTombstonesAfterYears: try number(row.deleteTombstonesAfterYears, "delete tombstones after years", rule: row.name)))
        }
        guard let protection = Int(deploymentProtectionDays) else { throw .invalid("'deployment protection days' must be a whole number.") }
        return try RetentionPolicy(rules: rules, deploymentProtectionDays: protection)
    }
}

struct RetentionPage {
    struct ActionRow {
        let kind: String
        let model: String
        let version: Int
        let href: String
        let rule: String
        let reason: String
    }

    struct HeldRow {
        let model: String
        let version: Int
        let href: String
        let kind: String
        let rule: String
        let protection: String
    }

    let rules: [RetentionDraft.Rule]
    let deploymentProtectionDays: String
    let storedSummary: String
    let problem: String?
    let notice: String?
    let previewed: Bool
    let evaluated: String?
    let counts: String?
    let actions: [ActionRow]
    let noActions: Bool
    let held: [HeldRow]
    let hasHeld: Bool
    let previewAction: String
    let saveAction: String
    let csrf: String

    init(
        draft: RetentionDraft, stored: StoredRetentionPolicy?, preview: RetentionPreview?, problem: String?, notice: String?, scope: RequestScope,
        csrf: String
    ) {
        let slug = scope.tenant.slug.value
        rules = draft.rules
        deploymentProtectionDays = draft.deploymentProtectionDays
        storedSummary =
            stored.map { "Revision \($0.revision), saved by \($0.updatedBy) on \(Display.time($0.updatedAt)), \($0.policy.rules.count) rule(s)." }
            ?? "This tenant has no retention policy yet: nothing is archived or purged automatically."
        self.problem = problem
        self.notice = notice
        previewed = preview != nil
        evaluated = preview.map { "Evaluated on \(Display.time($0.evaluatedAt)) over \($0.versions) versions." }
        counts = preview.map { preview in
            let plan = preview.plan
            return
                "\(plan.count(.archive)) to archive, \(plan.count(.purge)) to purge, \(plan.count(.deleteTombstone)) tombstones to delete, \(plan.held.count) kept by protection."
        }
        actions = (preview?.plan.actions ?? []).map {
            ActionRow(
                kind: $0.kind.rawValue.replacingOccurrences(of: "_", with: " "), model: $0.model, version: $0.version,
                href: Display.versionPath(slug, $0.model, $0.version), rule: $0.rule, reason: $0.reason)
        }
        noActions = preview != nil && (preview?.plan.actions.isEmpty ?? true)
        held = (preview?.plan.held ?? []).map {
            HeldRow(
                model: $0.model, version: $0.version, href: Display.versionPath(slug, $0.model, $0.version),
                kind: $0.kind.rawValue.replacingOccurrences(of: "_", with: " "), rule: $0.rule, protection: $0.protection)
        }
        hasHeld = !(preview?.plan.held.isEmpty ?? true)
        previewAction = Display.tenantPath(slug, "admin/retention/preview")
        saveAction = Display.tenantPath(slug, "admin/retention")
        self.csrf = csrf
    }
}
