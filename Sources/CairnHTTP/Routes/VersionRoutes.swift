import CairnCore
import Hummingbird
import Logging

extension APIRoutes {
    func addVersionRoutes(registry: any RegistryStore) {
        add(.get, "tenants/{tenant}/versions", access: .tenant(.reader)) { request, context, scope in
            try await Self.search(request: request, context: context, scope: scope, modelName: nil, registry: registry)
        }

        add(.get, "tenants/{tenant}/models/{model}/versions", access: .tenant(.reader)) { request, context, scope in
            try await Self.search(request: request, context: context, scope: scope, modelName: try context.pathParameter("model"), registry: registry)
        }

        add(.post, "tenants/{tenant}/models/{model}/versions", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(CreateVersionBody.self, from: request, context: context)
            let new = try NewModelVersion(
                status: try body.status.map { s throws(CairnError) in try VersionStatus(validating: s) }, description: body.description,
                source: body.source, runID: body.runID, runLink: body.runLink, lineage: body.lineage,
                hyperparameters: body.hyperparameters, metrics: body.metrics?.map(\.metric), environment: body.environment, tags: body.tags)
            let version = try await registry.createVersion(
                of: try context.pathParameter("model"), new, in: scope.tenant, by: scope.actor, logger: context.logger)
            context.logger.info("version registered", metadata: ["cairn.model": "\(version.modelName)", "cairn.version": "\(version.version)"])
            return try .json(VersionDTO(version), status: .created)
        }

        add(.get, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.reader)) { _, context, scope in
            let version = try await registry.version(
                try context.versionParameter(), of: try context.pathParameter("model"), in: scope.tenant, logger: context.logger)
            return try .json(VersionDTO(version))
        }

        add(.patch, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.contributor)) { request, context, scope in
            let number = try context.versionParameter()
            let body = try await JSONBody.decode(PatchVersionBody.self, from: request, context: context)
            let changes = try ModelVersionChanges(
                description: body.description, status: try body.status.map { s throws(CairnError) in try VersionStatus(validating: s) },
                statusMessage: body.statusMessage, tags: body.tags, metrics: body.metrics?.map(\.metric))
            let version = try await registry.updateVersion(
                number, of: try context.pathParameter("model"), changes, in: scope.tenant, by: scope.actor, logger: context.logger)
            return try .json(VersionDTO(version))
        }

        add(.delete, "tenants/{tenant}/models/{model}/versions/{version}", access: .tenant(.contributor)) { _, context, scope in
            let number = try context.versionParameter()
            let name = try context.pathParameter("model")
            try await registry.deleteVersion(number, of: name, in: scope.tenant, by: scope.actor, logger: context.logger)
            context.logger.info("version deleted", metadata: ["cairn.model": "\(name)", "cairn.version": "\(number)"])
            return .noContent
        }
    }

    private static func search(
        request: Request, context: CairnRequestContext, scope: TenantScope, modelName: String?, registry: any RegistryStore
    ) async throws -> Response {
        let query = try VersionQuery(
            modelName: modelName, filter: request.query("filter"), orderBy: request.query("order_by"),
            maxResults: try request.intQuery("max_results"), pageToken: request.query("page_token"))
        let page = try await registry.searchVersions(query, in: scope.tenant, logger: context.logger)
        return try .json(VersionListDTO(modelVersions: page.versions.map(VersionDTO.init), nextPageToken: page.nextPageToken))
    }
}
