public import CairnApp
public import CairnCore
public import CairnHTTPKit
public import Hummingbird

/// The native JSON API under /api/v1, described by the OpenAPI document it serves.
public enum APISurface {
    /// Adds every /api/v1 route to `router` and to the endpoint table.
    public static func register(
        on router: Router<CairnRequestContext>, useCases: UseCases, events: EventStreams, authentication: AuthenticationMiddleware,
        table: EndpointTable
    ) {
        router.get("api/v1/openapi.json") { _, _ in try OpenAPIDocument.response() }
        table.append(Endpoint(method: .get, path: "/api/v1/openapi.json", access: .open))
        let group = router.group("api/v1").add(middleware: authentication)
        let routes = APIRoutes(
            registrar: EndpointRegistrar(group: group, prefix: "/api/v1/", table: table, tenants: useCases.tenants), app: useCases)
        routes.addTenantRoutes()
        routes.addModelRoutes()
        routes.addVersionRoutes()
        routes.addTokenRoutes()
        routes.addAuditRoutes()
        routes.addLifecycleRoutes()
        routes.addAliasRoutes()
        routes.addDeploymentRoutes()
        routes.addModelCardRoutes()
        routes.addArtifactRoutes()
        routes.addEventRoutes(events: events)
        routes.addWebhookRoutes()
        routes.addRetentionRoutes()
    }
}

/// What every /api/v1 route file extends: the registrar and the use cases.
struct APIRoutes {
    let registrar: EndpointRegistrar
    let app: UseCases

    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, Principal) async throws -> Response
    ) {
        registrar.add(method, path, access: access, handler)
    }

    func add(
        _ method: HTTPRequest.Method, _ path: String, access: Access,
        _ handler: @escaping @Sendable (Request, CairnRequestContext, RequestScope) async throws -> Response
    ) {
        registrar.add(method, path, access: access, handler)
    }
}

extension APISurface {
    /// The fields each request body accepts (its `CodingKeys`), by the OpenAPI schema that documents it, so a test
    /// holds the document to the code.
    public static var requestBodyFields: [String: Set<String>] {
        [
            "CreateModel": CreateModelBody.fields, "PatchModel": PatchModelBody.fields, "CreateModelVersion": CreateVersionBody.fields,
            "PatchModelVersion": PatchVersionBody.fields, "Lineage": CreateVersionBody.nestedFields["lineage"] ?? [],
            "CreateTenant": CreateTenantBody.fields, "RoleBindings": RoleBindingsDTO.fields, "CreateToken": CreateTokenBody.fields,
            "CreateWebhook": CreateWebhookBody.fields, "PatchWebhook": PatchWebhookBody.fields, "StageChange": StageChangeBody.fields,
            "Decision": DecisionBody.fields, "Deploy": DeployBody.fields, "LegalHold": LegalHoldBody.fields, "SetAlias": AliasBody.fields,
            "Purge": PurgeBody.fields, "RetentionPolicyInput": RetentionPolicyBody.fields, "RetentionPreviewRequest": RetentionPreviewBody.fields,
        ]
    }
}
