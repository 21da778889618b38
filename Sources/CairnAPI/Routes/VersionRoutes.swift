import CairnApp
import CairnCore
import CairnHTTPKit
import Hummingbird
import Logging

extension APIRoutes {
    func addVersionRoutes() {
        let registry = app.registry

        add(.get, "tenants/{tenant}/versions", access: .tenant(.reader)) { request, _, scope in
            try await Self.search(request: request, modelName: nil, registry: registry, scope)
        }

        add(.get, "tenants/{tenant}/models/{model}/versions", access: .tenant(.reader)) { request, context, scope in
            try await Self.search(request: request, modelName: try context.pathParameter("model"), registry: registry, scope)
        }

        add(.post, "tenants/{tenant}/models/{model}/versions", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(CreateVersionBody.self, from: request, context: context)
            let new = try NewModelVersion(
                status: try body.status.map { raw throws(CairnError) in try VersionStatus(validating: raw) }, description: body.description,
                source: body.source, runID: body.runID, runLink: body.runLink, lineage: body.lineage,
                hyperparameters: body.hyperparameters, metrics: body.metrics?.map(\.metric), environment: body.environment, tags: body.tags)
            let version = try await registry.register(new, of: try context.pathParameter("model"), scope)
            return try .json(VersionDTO(version), status: .created)
        }

        add(.get, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.reader)) { _, context, scope in
            try .json(VersionDTO(try await registry.version(try context.versionParameter(), of: try context.pathParameter("model"), scope)))
        }

        add(.patch, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.contributor)) { request, context, scope in
            let number = try context.versionParameter()
            let body = try await JSONBody.decode(PatchVersionBody.self, from: request, context: context)
            let changes = try ModelVersionChanges(
                description: body.description, status: try body.status.map { raw throws(CairnError) in try VersionStatus(validating: raw) },
                statusMessage: body.statusMessage, tags: body.tags, metrics: body.metrics?.map(\.metric))
            return try .json(VersionDTO(try await registry.updateVersion(number, of: try context.pathParameter("model"), changes, scope)))
        }

        add(.delete, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.contributor)) { _, context, scope in
            try await registry.deleteVersion(try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return .noContent
        }
    }

    private static func search(request: Request, modelName: String?, registry: Registry, _ scope: RequestScope) async throws -> Response {
        let query = try VersionQuery(
            modelName: modelName, filter: request.query("filter"), orderBy: request.query("order_by"),
            maxResults: try request.intQuery("max_results"), pageToken: request.query("page_token"))
        let page = try await registry.search(query, scope)
        return try .json(VersionListDTO(modelVersions: page.versions.map(VersionDTO.init), nextPageToken: page.nextPageToken))
    }
}
