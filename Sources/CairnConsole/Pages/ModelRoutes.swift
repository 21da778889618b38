import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// The models list (a name search, or the API's version filter language in the advanced field), keyset-paged and
/// sortable, and a model's page with its versions.
extension ConsoleRoutes {
    func addModelRoutes() {
        registrar.add(.get, "/ui/t/{tenant}/models", role: .reader) { request, _, session, scope in
            let query = request.uri.queryParameters
            let search = ModelsPage.Search(
                q: query["q"].map(String.init) ?? "", filter: query["filter"].map(String.init) ?? "", sort: query["sort"].map(String.init) ?? "",
                page: query["page"].map(String.init))
            let slug = scope.tenant.slug.value
            do {
                if search.filter.trimmingCharacters(in: .whitespaces).isEmpty {
                    let sort = ModelsPage.modelSort(search.sort)
                    var clauses: [VersionFilter.Clause] = []
                    let name = search.q.trimmingCharacters(in: .whitespaces)
                    if !name.isEmpty { clauses.append(.init(field: .name, op: .ilike, value: .string("%" + Self.likeEscaped(name) + "%"))) }
                    let found = try await app.registry.searchModels(
                        try ModelQuery(
                            clauses: clauses, order: [sort.term], maxResults: ModelsPage.pageSize, pageToken: search.page, excludesPrompts: false),
                        scope)
                    let latest = try await app.registry.latestVersions(ofModels: found.models.map(\.id), scope)
                    return page(
                        "models", ModelsPage(models: found, latest: latest, search: search, sort: sort.key, slug: slug), session: session,
                        scope: scope,
                        section: .models)
                }
                let versions = try await app.registry.search(
                    try VersionQuery(
                        modelName: nil, filter: search.filter, orderBy: search.sort.isEmpty ? nil : search.sort, maxResults: ModelsPage.pageSize,
                        pageToken: search.page), scope)
                return page("models", ModelsPage(versions: versions, search: search, slug: slug), session: session, scope: scope, section: .models)
            } catch let error as CairnError where error.code == .invalidParameterValue {
                // A filter that does not parse is the person's to fix: say why on the same page, keep what they typed.
                return page(
                    "models", ModelsPage(problem: error.message, search: search, slug: slug), session: session, scope: scope, section: .models,
                    status: .badRequest)
            }
        }

        registrar.add(.get, "/ui/t/{tenant}/models/{model}", role: .reader) { request, context, session, scope in
            let model = try await app.registry.model(named: try context.pathParameter("model"), scope)
            let pageToken = request.uri.queryParameters["page"].map(String.init)
            let versions = try await app.registry.search(
                try VersionQuery(
                    modelName: model.name, filter: nil, orderBy: "version DESC", maxResults: ModelDetailPage.pageSize, pageToken: pageToken),
                scope)
            return page(
                "model", ModelDetailPage(model, versions: versions, scope: scope, csrf: session.csrfToken), session: session, scope: scope,
                section: .models)
        }
    }

    /// A name typed into the search box is text, not a pattern.
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}

struct ModelsPage {
    struct Search {
        let q: String
        let filter: String
        let sort: String
        let page: String?
    }

    struct ModelRow {
        let name: String
        let href: String
        let latest: String
        let latestStage: String?
        let owner: String
        let summary: String
        let updated: String
        let aliases: String
    }

    struct VersionRow {
        let model: String
        let version: Int
        let href: String
        let stage: String
        let createdBy: String
        let created: String
        let metrics: String
    }

    struct SortLink {
        let label: String
        let href: String
        let current: Bool
    }

    static let pageSize = 50

    let q: String
    let filter: String
    let filterOpen: Bool
    let models: [ModelRow]
    let versions: [VersionRow]
    let showsVersions: Bool
    let empty: Bool
    let problem: String?
    let nextHref: String?
    let firstHref: String?
    let sorts: [SortLink]

    static func modelSort(_ raw: String) -> (key: String, term: ModelQuery.Term) {
        switch raw {
        case "updated": ("updated", .init(key: .updatedAt, descending: true))
        case "-name": ("-name", .init(key: .name, descending: true))
        default: ("name", .init(key: .name, descending: false))
        }
    }

    private static func href(_ slug: String, q: String = "", filter: String = "", sort: String = "", page: String? = nil) -> String {
        var parts: [String] = []
        if !q.isEmpty { parts.append("q=" + Display.query(q)) }
        if !filter.isEmpty { parts.append("filter=" + Display.query(filter)) }
        if !sort.isEmpty { parts.append("sort=" + Display.query(sort)) }
        if let page { parts.append("page=" + Display.query(page)) }
        return Display.tenantPath(slug, "models") + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
    }

    init(models found: CairnCore.ModelPage, latest: [ModelVersion], search: Search, sort: String, slug: String) {
        let latestByModel = Dictionary(latest.map { ($0.modelID, $0) }, uniquingKeysWith: { first, _ in first })
        q = search.q
        filter = ""
        filterOpen = false
        models = found.models.map { model in
            let newest = latestByModel[model.id]
            return ModelRow(
                name: model.name, href: Display.modelPath(slug, model.name), latest: newest.map { "v\($0.version)" } ?? "—",
                latestStage: newest?.stage.rawValue, owner: model.owner ?? "—",
                summary: String(model.description.split(separator: "\n").first ?? "").prefix(140).description, updated: Display.time(model.updatedAt),
                aliases: model.aliases.keys.sorted().joined(separator: ", "))
        }
        versions = []
        showsVersions = false
        empty = found.models.isEmpty
        problem = nil
        nextHref = found.nextPageToken.map { Self.href(slug, q: search.q, sort: search.sort, page: $0) }
        firstHref = search.page == nil ? nil : Self.href(slug, q: search.q, sort: search.sort)
        sorts = [("name", "Name A–Z"), ("-name", "Name Z–A"), ("updated", "Recently updated")].map {
            SortLink(label: $0.1, href: Self.href(slug, q: search.q, sort: $0.0), current: $0.0 == sort)
        }
    }

    init(versions found: VersionPage, search: Search, slug: String) {
        q = search.q
        filter = search.filter
        filterOpen = !search.filter.isEmpty
        models = []
        versions = found.versions.map { version in
            VersionRow(
                model: version.modelName, version: version.version, href: Display.versionPath(slug, version.modelName, version.version),
                stage: version.stage.rawValue, createdBy: version.createdBy, created: Display.time(version.createdAt),
                metrics: version.metrics.prefix(3).map { "\($0.key)@\($0.dataset) \(Display.number($0.value))" }.joined(separator: " · "))
        }
        showsVersions = true
        empty = found.versions.isEmpty
        problem = nil
        nextHref = found.nextPageToken.map { Self.href(slug, filter: search.filter, sort: search.sort, page: $0) }
        firstHref = search.page == nil ? nil : Self.href(slug, filter: search.filter, sort: search.sort)
        sorts = [("created_at DESC", "Newest"), ("created_at ASC", "Oldest"), ("name ASC", "Model name")].map {
            SortLink(label: $0.1, href: Self.href(slug, filter: search.filter, sort: $0.0), current: $0.0 == search.sort)
        }
    }

    init(problem: String, search: Search, slug: String) {
        q = search.q
        filter = search.filter
        filterOpen = !search.filter.isEmpty
        models = []
        versions = []
        showsVersions = !search.filter.isEmpty
        empty = false
        self.problem = problem
        nextHref = nil
        firstHref = nil
        sorts = []
    }
}

struct ModelDetailPage {
    struct VersionRow {
        let version: Int
        let href: String
        let stage: String
        let status: String
        let aliases: String
        let createdBy: String
        let created: String
        let cells: [String]
    }

    static let pageSize = 50
    static let metricColumns = 4

    let name: String
    let descriptionHTML: String
    let hasDescription: Bool
    let owner: String
    let tags: [KeyValue]
    let aliases: [KeyValue]
    let metricHeads: [String]
    let versions: [VersionRow]
    let empty: Bool
    let nextHref: String?
    let modelsHref: String
    let compareAction: String

    init(_ model: RegisteredModel, versions found: VersionPage, scope: RequestScope, csrf: String) {
        let slug = scope.tenant.slug.value
        name = model.name
        descriptionHTML = Markdown.html(model.description)
        hasDescription = !model.description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        owner = model.owner ?? "—"
        tags = model.tags.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
        aliases = model.aliases.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: "v\($0.value)") }
        // Key metrics: the metric/dataset pairs most versions on this page have, as columns.
        var frequency: [String: Int] = [:]
        for version in found.versions { for metric in version.metrics { frequency["\(metric.key)@\(metric.dataset)", default: 0] += 1 } }
        let heads = frequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(Self.metricColumns).map(\.key)
        metricHeads = heads
        let modelName = model.name
        versions = found.versions.map { version in
            let values = Dictionary(version.metrics.map { ("\($0.key)@\($0.dataset)", $0.value) }, uniquingKeysWith: { first, _ in first })
            return VersionRow(
                version: version.version, href: Display.versionPath(slug, modelName, version.version), stage: version.stage.rawValue,
                status: version.status.rawValue, aliases: version.aliases.sorted().joined(separator: ", "), createdBy: version.createdBy,
                created: Display.time(version.createdAt), cells: heads.map { values[$0].map(Display.number) ?? "—" })
        }
        empty = found.versions.isEmpty
        nextHref = found.nextPageToken.map { Display.modelPath(slug, modelName) + "?page=" + Display.query($0) }
        modelsHref = Display.tenantPath(slug, "models")
        compareAction = Display.modelPath(slug, modelName) + "/compare"
    }
}

struct KeyValue {
    let key: String
    let value: String
}
