import CairnCore
import Hummingbird
import Logging

extension APIRoutes {
    func addModelRoutes(registry: any RegistryStore) {
        add(.get, "tenants/{tenant}/models", access: .tenant(.reader)) { request, context, scope in
            let page = try await registry.listModels(
                nameLike: request.query("name_like"), maxResults: try Limits.maxResults(try request.intQuery("max_results")),
                pageToken: request.query("page_token"), in: scope.tenant, logger: context.logger)
            return try .json(ModelListDTO(registeredModels: page.models.map(ModelDTO.init), nextPageToken: page.nextPageToken))
        }

        add(.post, "tenants/{tenant}/models", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(CreateModelBody.self, from: request, context: context)
            let new = try NewRegisteredModel(name: try ModelName(body.name), description: body.description, owner: body.owner, tags: body.tags)
            let model = try await registry.createModel(new, in: scope.tenant, by: scope.actor, logger: context.logger)
            context.logger.info("model registered", metadata: ["cairn.model": "\(model.name)"])
            return try .json(ModelDTO(model), status: .created)
        }

        add(.get, "tenants/{tenant}/models/{model}", access: .tenant(.reader)) { _, context, scope in
            let model = try await registry.model(named: try context.pathParameter("model"), in: scope.tenant, logger: context.logger)
            return try .json(ModelDTO(model))
        }

        add(.patch, "tenants/{tenant}/models/{model}", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(PatchModelBody.self, from: request, context: context)
            let changes = try RegisteredModelChanges(
                name: try body.name.map { n throws(CairnError) in try ModelName(n) }, description: body.description,
                owner: body.owner, tags: body.tags)
            let model = try await registry.updateModel(
                named: try context.pathParameter("model"), changes, in: scope.tenant, by: scope.actor, logger: context.logger)
            return try .json(ModelDTO(model))
        }

        add(.delete, "tenants/{tenant}/models/{model}", access: .tenant(.contributor)) { _, context, scope in
            let name = try context.pathParameter("model")
            try await registry.deleteModel(named: name, in: scope.tenant, by: scope.actor, logger: context.logger)
            context.logger.info("model deleted", metadata: ["cairn.model": "\(name)"])
            return .noContent
        }

        add(.get, "tenants/{tenant}/models/{model}/compare", access: .tenant(.reader)) { request, context, scope in
            let numbers = try VersionComparison.parseVersionList(request.query("versions"))
            let name = try context.pathParameter("model")
            let versions = try await registry.versions(numbers, of: name, in: scope.tenant, logger: context.logger)
            return try .json(ComparisonDTO(model: versions.first?.modelName ?? name, VersionComparison(versions: versions)))
        }
    }
}
