import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

/// Two to twenty versions of a model side by side: lineage, hyperparameters and metrics with the differences marked,
/// and a chart per metric, oldest version first. Versions come as repeated `v` (the model page's checkboxes) or `versions=3,4,7` (as on the API).
extension ConsoleRoutes {
    func addCompareRoutes() {
        registrar.add(.get, "/ui/t/{tenant}/models/{model}/compare", role: .reader) { request, context, session, scope in
            let query = request.uri.queryParameters
            let picked = query[values: "v"].map(String.init)
            let text = picked.isEmpty ? query["versions"].map(String.init) : picked.joined(separator: ",")
            let numbers = try VersionComparison.parseVersionList(text).sorted()
            let (model, comparison) = try await app.registry.compare(numbers, of: try context.pathParameter("model"), scope)
            return page("compare", ComparePage(model: model, comparison, scope: scope), session: session, scope: scope, section: .models)
        }
    }
}

struct ComparePage {
    struct Row {
        let key: String
        let cells: [String]
        let differs: Bool
    }

    struct Column {
        let label: String
        let href: String
        let stage: String
    }

    struct Chart {
        let title: String
        let svg: String
    }

    let model: String
    let modelHref: String
    let columns: [Column]
    let general: [Row]
    let lineage: [Row]
    let hyperparameters: [Row]
    let metrics: [Row]
    let charts: [Chart]
    let noMetrics: Bool
    let differences: Int

    init(model: String, _ comparison: VersionComparison, scope: RequestScope) {
        let slug = scope.tenant.slug.value
        self.model = model
        modelHref = Display.modelPath(slug, model)
        let versions = comparison.versions
        columns = versions.map {
            Column(label: "v\($0.version)", href: Display.versionPath(slug, model, $0.version), stage: $0.stage.rawValue)
        }
        func row(_ key: String, _ cells: [String]) -> Row { Row(key: key, cells: cells, differs: Set(cells).count > 1) }
        general = [
            row("stage", versions.map(\.stage.rawValue)), row("status", versions.map(\.status.rawValue)),
            row("created by", versions.map(\.createdBy)), row("created", versions.map { Display.time($0.createdAt) }),
            row("aliases", versions.map { $0.aliases.sorted().joined(separator: ", ") }),
        ]
        lineage = comparison.lineage.map { row($0.key.replacingOccurrences(of: "_", with: " "), $0.values.map { $0 ?? "—" }) }
        hyperparameters = comparison.hyperparameters.map { row($0.key, $0.values.map { $0.map(LinkedValue.text) ?? "—" }) }
        metrics = comparison.metrics.map { row($0.key, $0.values.map { $0.map(Display.number) ?? "—" }) }
        charts = comparison.metrics.map { metric in
            Chart(
                title: metric.key,
                svg: BarChart(
                    title: metric.key, bars: zip(versions, metric.values).map { BarChart.Bar(label: "v\($0.0.version)", value: $0.1) }
                ).svg)
        }
        noMetrics = comparison.metrics.isEmpty
        differences = (general + lineage + hyperparameters + metrics).filter(\.differs).count
    }
}
