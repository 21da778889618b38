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
