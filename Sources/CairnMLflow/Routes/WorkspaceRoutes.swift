import CairnApp
import CairnCore
import CairnHTTPKit
import Hummingbird

extension MLflowRoutes {
    /// `server-info`, which the client reads (without credentials) before using a workspace or transferring
    /// artifacts: workspaces on, multipart and presigned transfers off.
    func addServerInfoRoutes() {
        registrar.addOpen(.get, "3.0/mlflow/server-info") { _, _ in
            MLflowJSON.response { json in
                json.key("artifact_serving_enabled")
                json.bool(true)
                json.key("artifacts_presigned_only")
                json.bool(false)
                json.key("model_artifact_presigned_downloads_supported")
                json.bool(false)
                json.key("multipart_downloads_enabled")
                json.bool(false)
                json.key("multipart_uploads_enabled")
                json.bool(false)
                json.key("store_type")
                json.string("SqlStore")
                json.key("trace_archival_enabled")
                json.bool(false)
                json.key("tracking_auth")
                json.string("")
                json.key("workspaces_enabled")
                json.bool(true)
            }
        }
    }

    /// MLflow workspaces are Cairn's tenants: a caller lists those they have a role in, and a tenant they have no
    /// role in does not exist for them.
    func addWorkspaceRoutes() {
        let tenants = app.tenants
        registrar.add(.get, "3.0/mlflow/workspaces", access: .authenticated) { _, context, principal in
            let visible = try await tenants.visibleTenants(to: principal, logger: context.logger)
            return MLflowJSON.response { json in
                guard !visible.isEmpty else { return }
                json.key("workspaces")
                json.beginArray()
                for entry in visible.sorted(by: { $0.tenant.slug.value < $1.tenant.slug.value }) { Self.write(entry.tenant, to: &json) }
                json.endArray()
            }
        }
        registrar.add(.get, "3.0/mlflow/workspaces/{workspace}", access: .authenticated) { _, context, principal in
            let slug = try TenantSlug(try context.pathParameter("workspace"))
            let scope = try await tenants.scope(slug, for: principal, known: context.tokenTenant, requestID: context.id, logger: context.logger)
            return MLflowJSON.response { json in
                json.key("workspace")
                Self.write(scope.tenant, to: &json)
            }
        }
    }

    /// Platform administrators create, rename and retire workspaces; a new one has no role bindings until they are
    /// set through `/api/v1` (so nobody else sees it yet), and a retired one keeps its audit trail and its name.
    func addWorkspaceAdministrationRoutes() {
        let tenants = app.tenants
        registrar.add(.post, "3.0/mlflow/workspaces", access: .platformAdmin) { request, context, principal in
            let fields = try await MLflowFields.read(request, context: context)
            let name = try fields.required("name")
            try Self.refuseArtifactRoot(fields)
            let slug = try TenantSlug(name)
            let description = try fields.string("description").flatMap { $0.isEmpty ? nil : $0 } ?? name
            let (created, _) = try await tenants.create(
                try NewTenant(slug: slug, displayName: description, settings: [:]), bindings: [],
                by: Actor(username: principal.username, requestID: context.id), principal: principal, logger: context.logger)
            return MLflowJSON.response(status: .created) { json in
                json.key("workspace")
                Self.write(created, to: &json)
            }
        }
        registrar.add(.patch, "3.0/mlflow/workspaces/{workspace}", access: .platformAdmin) { request, context, principal in
            let slug = try TenantSlug(try context.pathParameter("workspace"))
            let fields = try await MLflowFields.read(request, context: context)
            try Self.refuseArtifactRoot(fields)
            let tenant: Tenant
            if let description = try fields.string("description") {
                tenant = try await tenants.rename(slug, to: description, principal: principal, requestID: context.id, logger: context.logger)
            } else {
                tenant = try await tenants.scope(slug, for: principal, requestID: context.id, logger: context.logger).tenant
            }
            return MLflowJSON.response { json in
                json.key("workspace")
                Self.write(tenant, to: &json)
            }
        }
        registrar.add(.delete, "3.0/mlflow/workspaces/{workspace}", access: .platformAdmin) { request, context, principal in
            let slug = try TenantSlug(try context.pathParameter("workspace"))
            let mode = request.uri.queryParameters["mode"].map(String.init) ?? "RESTRICT"
            guard mode.uppercased() == "RESTRICT" else {
                throw CairnError.invalid(
                    "Only mode=RESTRICT is supported: Cairn retires a workspace once it holds no registered models, and never cascades its registry away."
                )
            }
            try await tenants.retire(slug, principal: principal, requestID: context.id, logger: context.logger)
            return Response(status: .noContent)
        }
    }

    /// Artifacts live in Cairn's own store, per tenant; a workspace cannot point them elsewhere.
    private static func refuseArtifactRoot(_ fields: MLflowFields) throws(CairnError) {
        if let root = try fields.string("default_artifact_root"), !root.isEmpty {
            throw .invalid("Cairn keeps every workspace's artifacts in its own store; 'default_artifact_root' cannot be set.")
        }
    }

    static func write(_ tenant: Tenant, to json: inout JSONWriter) {
        json.beginObject()
        if !tenant.displayName.isEmpty {
            json.key("description")
            json.string(tenant.displayName)
        }
        json.key("name")
        json.string(tenant.slug.value)
        json.endObject()
    }
}
