import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

extension MLflowRoutes {
    /// Versions per database page of a streamed search: large enough that a 10,000-version answer is ten short
    /// queries, small enough that the server holds little of it at once.
    static let searchChunk = 1_000
    /// MLflow's version search limit; its client asks for 10,000 by default.
    static let versionSearchMax = 200_000

    func addModelVersionRoutes() {
        let app = self.app
        registrar.add(.post, "2.0/mlflow/model-versions/create", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let source = try fields.required("source")
            let runID = try fields.string("run_id").flatMap { $0.isEmpty ? nil : $0 }
            try MLflowSource.validate(source, runID: runID, modelID: try fields.string("model_id"))
            let version = try NewModelVersion(
                status: nil, description: try fields.string("description"), source: source, runID: runID,
                runLink: try fields.string("run_link").flatMap { $0.isEmpty ? nil : $0 }, lineage: nil, hyperparameters: nil, metrics: nil,
                environment: nil, tags: try fields.tags())
            // Files the client uploaded through this server's proxy become the version's files (same blobs).
            let created = try await MLflowNames.model(name) {
                if let directory = MLflowArtifactPath.directory(ofSource: source, tenant: scope.tenant.slug) {
                    return try await app.proxy.register(version, of: name, linking: directory, scope)
                }
                return try await app.registry.register(version, of: name, scope)
            }
            return Self.respond(with: created)
        }
        registrar.add(.patch, "2.0/mlflow/model-versions/update", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            let version = try await MLflowNames.version(name, number) {
                guard let description = try fields.string("description") else { return try await app.registry.version(number, of: name, scope) }
                return try await app.registry.updateVersion(
                    number, of: name, try ModelVersionChanges(description: description, status: nil, statusMessage: nil, tags: nil, metrics: nil),
                    scope)
            }
            return Self.respond(with: version)
        }
        registrar.add(.post, "2.0/mlflow/model-versions/transition-stage", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            let stage = try MLflowStage.parse(try fields.required("stage"))
            let archive = try fields.bool("archive_existing_versions") ?? false
            if archive, stage != .staging, stage != .production {
                throw CairnError.invalid(
                    "Model version transition cannot archive existing model versions because '\(stage.rawValue)' is not an Active stage. Valid stages are Staging, Production"
                )
            }
            let change = try StageChange(toStage: stage, comment: nil, archiveExisting: archive)
            let outcome = try await MLflowNames.version(name, number) {
                try await app.lifecycle.changeStageApprovingPending(number, of: name, change, scope)
            }
            switch outcome {
            case .applied(let result), .approved(_, let result):
                return Self.respond(with: result.version)
            case .requested(let pending, let isNew):
                throw CairnError(
                    MLflowError.aborted,
                    """
                    Version \(number) of '\(pending.modelName)' was not moved to \(stage.rawValue): four-eyes is on, so the move needs a second \
                    approver. Transition request \(pending.id.uuidString.lowercased()) by \(pending.requestedBy) \
                    \(isNew ? "is now pending" : "was already pending"); a different approver approves it by making this same call \
                    (transition_model_version_stage with the same name, version and stage) or with POST \
                    /api/v1/tenants/\(scope.tenant.slug.value)/transition-requests/\(pending.id.uuidString.lowercased())/approve.
                    """)
            }
        }
        registrar.add(.delete, "2.0/mlflow/model-versions/delete", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            try await MLflowNames.version(name, number) { try await app.registry.deleteVersion(number, of: name, scope) }
            return MLflowJSON.empty
        }
        registrar.add(.get, "2.0/mlflow/model-versions/get", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            return Self.respond(with: try await MLflowNames.version(name, number) { try await app.registry.version(number, of: name, scope) })
        }
        registrar.add(.get, "2.0/mlflow/model-versions/search", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let text = try fields.string("filter") ?? ""
            let filter = try MLflowFilter(parsing: text, for: .modelVersions)
            let query = VersionQuery(
                modelName: nil, filter: VersionFilter(clauses: filter.clauses), filterText: text,
                order: try MLflowOrder.versions(try fields.strings("order_by")),
                maxResults: try Self.maxResults(try fields.int("max_results"), default: Self.versionSearchMax, max: Self.versionSearchMax),
                pageToken: try fields.string("page_token"), excludesPrompts: filter.excludesPrompts)
            var chunks = app.registry.searchInChunks(query, size: Self.searchChunk, scope)
            // The first page is read before answering, so a bad token or filter is still a 4xx.
            let first = try await chunks.next()
            return MLflowJSON.streamedVersions(first: first, rest: chunks, logger: context.logger)
        }
        registrar.add(.get, "2.0/mlflow/model-versions/get-download-uri", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            let version = try await MLflowNames.version(name, number) { try await app.registry.version(number, of: name, scope) }
            return MLflowJSON.response { json in
                guard let source = version.source, !source.isEmpty else { return }
                json.key("artifact_uri")
                json.string(source)
            }
        }
        registrar.add(.post, "2.0/mlflow/model-versions/set-tag", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            let key = try fields.required("key")
            let value = try fields.requiredAllowingEmpty("value")
            _ = try await MLflowNames.version(name, number) {
                try await app.registry.updateVersion(
                    number, of: name,
                    try ModelVersionChanges(description: nil, status: nil, statusMessage: nil, tags: nil, metrics: nil, setTags: [key: value]), scope)
            }
            return MLflowJSON.empty
        }
        registrar.add(.delete, "2.0/mlflow/model-versions/delete-tag", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let number = try fields.version()
            let key = try fields.required("key")
            _ = try await MLflowNames.version(name, number) {
                try await app.registry.updateVersion(
                    number, of: name,
                    try ModelVersionChanges(description: nil, status: nil, statusMessage: nil, tags: nil, metrics: nil, deleteTags: [key]), scope)
            }
            return MLflowJSON.empty
        }
    }

    static func respond(with version: ModelVersion) -> Response {
        MLflowJSON.response { json in
            json.key("model_version")
            MLflowJSON.write(version, to: &json)
        }
    }
}

/// The cheap checks MLflow's server makes on a new version's `source` (`handlers.py: _create_model_version`).
enum MLflowSource {
    static func validate(_ source: String, runID: String?, modelID: String?) throws(CairnError) {
        let lowered = source.lowercased()
        if source.contains("\u{0}") || lowered.contains("%2e%2e") || lowered.contains("%252e")
            || source.split(whereSeparator: { $0 == "/" || $0 == "\\" }).contains("..")
        {
            throw .invalid(
                "Invalid model version source: '\(source.prefix(200))'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path."
            )
        }
        if source.hasPrefix("runs:/"), let runID {
            let run = source.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            guard run == runID else {
                throw .invalid(
                    "Invalid model version source: '\(source.prefix(200))'. The run_id request parameter must identify the resource that contains the source."
                )
            }
        }
        if source.hasPrefix("models:/m-") {
            let id = source.dropFirst("models:/".count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            guard modelID == id else {
                throw .invalid(
                    "Invalid model version source: '\(source.prefix(200))'. The model_id request parameter must identify the logged model the source names."
                )
            }
        }
    }
}
