import CairnApp
import CairnCore
import CairnHTTPKit
import Hummingbird

extension MLflowRoutes {
    func addAliasRoutes() {
        let app = self.app
        // Contributor at the door; a protected alias needs an approver (`Aliases`, the one place of that rule).
        registrar.add(.post, "2.0/mlflow/registered-models/alias", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let alias = try AliasName(try fields.required("alias"))
            let number = try fields.version()
            _ = try await MLflowNames.version(name, number) { try await app.aliases.set(alias, to: number, of: name, scope) }
            return MLflowJSON.empty
        }
        registrar.add(.delete, "2.0/mlflow/registered-models/alias", access: .tenant(.contributor)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let alias = try AliasName(try fields.required("alias"))
            try await MLflowNames.model(name) { try await app.aliases.delete(alias, of: name, scope) }
            return MLflowJSON.empty
        }
        registrar.add(.get, "2.0/mlflow/registered-models/alias", access: .tenant(.reader)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            let alias = try AliasName(try fields.required("alias"))
            return Self.respond(with: try await MLflowNames.model(name) { try await app.aliases.resolve(alias, of: name, scope) })
        }
    }

    /// MLflow 3's logged models belong to its tracking API, which Cairn does not serve yet. `mlflow.register_model(
    /// "models:/m-…")` reads one after creating the version and carries on when it is reported missing.
    func addLoggedModelRoutes() {
        registrar.add(.get, "2.0/mlflow/logged-models/{model_id}", access: .tenant(.reader)) { (_, context, _: RequestScope) in
            let id = try context.pathParameter("model_id")
            throw CairnError.notFound(
                "Logged model '\(id.prefix(80))' not found: this Cairn serves MLflow's Model Registry and artifacts, not yet its tracking API (runs, experiments, logged models)."
            )
        }
    }
}
