public import CairnApp
public import CairnHTTPKit
public import Hummingbird

/// MLflow's REST API, as the unchanged `mlflow` client speaks it: the Model Registry, server-info and workspaces,
/// under `/tenants/<tenant>/` or with the tenant in `X-MLFLOW-WORKSPACE`. Every call goes through the same use
/// cases as /api/v1; this target only translates MLflow's wire form.
public enum MLflowSurface {
    /// Adds every MLflow route to `router` and to the endpoint table.
    public static func register(
        on router: Router<CairnRequestContext>, useCases: UseCases, authentication: AuthenticationMiddleware, table: EndpointTable
    ) {
        let routes = MLflowRoutes(
            registrar: MLflowRegistrar(router: router, authentication: authentication, table: table, tenants: useCases.tenants), app: useCases)
        routes.addServerInfoRoutes()
        routes.addWorkspaceRoutes()
        routes.addWorkspaceAdministrationRoutes()
        routes.addRegisteredModelRoutes()
        routes.addModelVersionRoutes()
        routes.addAliasRoutes()
        routes.addLoggedModelRoutes()
        routes.addArtifactProxyRoutes()
        routes.addWebhookRoutes()
    }
}

/// What every MLflow route file extends: the registrar and the use cases.
struct MLflowRoutes {
    let registrar: MLflowRegistrar
    let app: UseCases
}
