import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

extension MLflowRoutes {
    /// Limits of MLflow's registered-model search (`mlflow/store/model_registry/__init__.py`).
    static let modelSearchDefault = 100
    static let modelSearchMax = 1000

    func addRegisteredModelRoutes() {
        let app = self.app
        registrar.add(.post, "2.0/mlflow/registered-models/create", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let created = try await MLflowNames.model(name) {
                try await app.registry.createModel(
                    try NewRegisteredModel(
                        name: try ModelName(name), description: try fields.string("description"), owner: nil, tags: try fields.tags()), scope)
            }
            return MLflowJSON.response { json in
                json.key("registered_model")
                MLflowJSON.write(created, latest: [], to: &json)
            }
        }
        registrar.add(.post, "2.0/mlflow/registered-models/rename", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let newName = try fields.required("new_name")
            let renamed = try await MLflowNames.model(newName, lookingUp: name) {
                try await app.registry.updateModel(
                    named: name, try RegisteredModelChanges(name: try ModelName(newName), description: nil, owner: nil, tags: nil), scope)
            }
            return try await respond(with: renamed, scope)
        }
        registrar.add(.patch, "2.0/mlflow/registered-models/update", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let model = try await MLflowNames.model(name) {
                guard let description = try fields.string("description") else { return try await app.registry.model(named: name, scope) }
                return try await app.registry.updateModel(
                    named: name, try RegisteredModelChanges(name: nil, description: description, owner: nil, tags: nil), scope)
            }
            return try await respond(with: model, scope)
        }
        registrar.add(.delete, "2.0/mlflow/registered-models/delete", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            try await MLflowNames.model(name) { try await app.registry.deleteModel(named: name, scope) }
            return MLflowJSON.empty
        }
        registrar.add(.get, "2.0/mlflow/registered-models/get", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let model = try await MLflowNames.model(name) { try await app.registry.model(named: name, scope) }
            return try await respond(with: model, scope)
        }
        registrar.add(.get, "2.0/mlflow/registered-models/search", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let maxResults = try Self.maxResults(try fields.int("max_results"), default: Self.modelSearchDefault, max: Self.modelSearchMax)
            let filter = try MLflowFilter(parsing: try fields.string("filter"), for: .registeredModels)
            let query = try ModelQuery(
                clauses: filter.clauses, order: try MLflowOrder.models(try fields.strings("order_by")), maxResults: maxResults,
                pageToken: try fields.string("page_token"), excludesPrompts: filter.excludesPrompts)
            let page = try await app.registry.searchModels(query, scope)
            let latest = Dictionary(grouping: try await app.registry.latestVersions(ofModels: page.models.map(\.id), scope), by: \.modelID)
            return MLflowJSON.response { json in
                if let token = page.nextPageToken {
                    json.key("next_page_token")
                    json.string(token)
                }
                if !page.models.isEmpty {
                    json.key("registered_models")
                    json.beginArray()
                    for model in page.models { MLflowJSON.write(model, latest: latest[model.id] ?? [], to: &json) }
                    json.endArray()
                }
            }
        }
        let latestVersions: @Sendable (Request, CairnRequestContext, RequestScope) async throws -> Response = { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let stages = Set(try fields.strings("stages").map { raw throws(CairnError) in try MLflowStage.parse(raw) })
            let model = try await MLflowNames.model(name) { try await app.registry.model(named: name, scope) }
            let latest = try await app.registry.latestVersions(ofModels: [model.id], scope).filter { stages.isEmpty || stages.contains($0.stage) }
            return MLflowJSON.response { json in
                guard !latest.isEmpty else { return }
                json.key("model_versions")
                json.beginArray()
                for version in latest { MLflowJSON.write(version, to: &json) }
                json.endArray()
            }
        }
        registrar.add(.post, "2.0/mlflow/registered-models/get-latest-versions", access: .tenant(.reader), latestVersions)
        registrar.add(.get, "2.0/mlflow/registered-models/get-latest-versions", access: .tenant(.reader), latestVersions)
        registrar.add(.post, "2.0/mlflow/registered-models/set-tag", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let key = try fields.required("key")
            let value = try fields.requiredAllowingEmpty("value")
            _ = try await MLflowNames.model(name) {
                try await app.registry.updateModel(
                    named: name, try RegisteredModelChanges(name: nil, description: nil, owner: nil, tags: nil, setTags: [key: value]), scope)
            }
            return MLflowJSON.empty
        }
        registrar.add(.delete, "2.0/mlflow/registered-models/delete-tag", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let key = try fields.required("key")
            _ = try await MLflowNames.model(name) {
                try await app.registry.updateModel(
                    named: name, try RegisteredModelChanges(name: nil, description: nil, owner: nil, tags: nil, deleteTags: [key]), scope)
            }
            return MLflowJSON.empty
        }
    }

    /// A registered model with its latest version per stage.
    func respond(with model: RegisteredModel, _ scope: RequestScope) async throws -> Response {
        let latest = try await app.registry.latestVersions(ofModels: [model.id], scope)
        return MLflowJSON.response { json in
            json.key("registered_model")
            MLflowJSON.write(model, latest: latest, to: &json)
        }
    }

    /// MLflow's max_results rules and texts.
    static func maxResults(_ raw: Int?, default fallback: Int, max: Int) throws(CairnError) -> Int {
        guard let raw else { return fallback }
        guard raw >= 1 else { throw .invalid("Invalid value for max_results. It must be a positive integer, but got \(raw)") }
        guard raw <= max else {
            throw .invalid("Invalid value for request parameter max_results. It must be at most \(max), but got value \(raw)")
        }
        return raw
    }
}

/// MLflow's stage names: case-insensitive, canonicalised, with MLflow's text for anything else.
enum MLflowStage {
    static func parse(_ raw: String) throws(CairnError) -> Stage {
        guard let stage = Stage.allCases.first(where: { $0.rawValue.lowercased() == raw.lowercased() }) else {
            throw .invalid("Invalid Model Version stage: \(raw.prefix(80)). Value must be one of None, Staging, Production, Archived.")
        }
        return stage
    }
}

/// The registry's "not found" and "already exists" in the words MLflow's users and tests match on.
enum MLflowNames {
    static func model<T>(_ name: String, lookingUp lookup: String? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CairnError where error.code == .resourceDoesNotExist && error.message.hasPrefix("Registered model") {
            throw CairnError.notFound("Registered Model with name=\(lookup ?? name) not found")
        } catch let error as CairnError where error.code == .resourceAlreadyExists && error.message.contains("registered model") {
            let lookalike = error.message.contains("looks the same") ? " (as a name that looks the same: case or look-alike letters)" : ""
            throw CairnError.alreadyExists("Registered Model (name=\(name)) already exists\(lookalike).")
        }
    }

    static func version<T>(_ name: String, _ version: Int, _ body: () async throws -> T) async throws -> T {
        do {
            return try await model(name, body)
        } catch let error as CairnError where error.code == .resourceDoesNotExist && error.message.hasPrefix("Version ") {
            throw CairnError.notFound("Model Version (name=\(name), version=\(version)) not found")
        }
    }
}
