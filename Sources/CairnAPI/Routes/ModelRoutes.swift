import CairnApp
import CairnCore
import CairnHTTPKit
import Hummingbird
import Logging

extension APIRoutes {
    func addModelRoutes() {
        let registry = app.registry

        add(.get, "tenants/{tenant}/models", access: .tenant(.reader)) { request, _, scope in
            let page = try await registry.models(
                nameLike: request.query("name_like"), maxResults: try request.intQuery("max_results"), pageToken: request.query("page_token"),
                scope)
            return try .json(ModelListDTO(registeredModels: page.models.map(ModelDTO.init), nextPageToken: page.nextPageToken))
        }

        add(.post, "tenants/{tenant}/models", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(CreateModelBody.self, from: request, context: context)
            let new = try NewRegisteredModel(name: try ModelName(body.name), description: body.description, owner: body.owner, tags: body.tags)
            return try .json(ModelDTO(try await registry.createModel(new, scope)), status: .created)
        }

        add(.get, "tenants/{tenant}/models/{model}", access: .tenant(.reader)) { _, context, scope in
            try .json(ModelDTO(try await registry.model(named: try context.pathParameter("model"), scope)))
        }

        add(.patch, "tenants/{tenant}/models/{model}", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(PatchModelBody.self, from: request, context: context)
            let changes = try RegisteredModelChanges(
                name: try body.name.map { raw throws(CairnError) in try ModelName(raw) }, description: body.description,
                owner: body.owner, tags: body.tags)
            return try .json(ModelDTO(try await registry.updateModel(named: try context.pathParameter("model"), changes, scope)))
        }

        add(.delete, "tenants/{tenant}/models/{model}", access: .tenant(.contributor)) { _, context, scope in
            try await registry.deleteModel(named: try context.pathParameter("model"), scope)
            return .noContent
        }

        add(.get, "tenants/{tenant}/models/{model}/compare", access: .tenant(.reader)) { request, context, scope in
            let numbers = try VersionComparison.parseVersionList(request.query("versions"))
            let (model, comparison) = try await registry.compare(numbers, of: try context.pathParameter("model"), scope)
            return try .json(ComparisonDTO(model: model, comparison))
        }
    }
}
