public import CairnCore
public import HTTPTypes

/// Who may call an endpoint. Declared once per route; enforced by `APIRoutes` before the handler runs.
public enum Access: Sendable, Equatable, CustomStringConvertible {
    /// No credentials needed (health, readiness, the API description).
    case open
    /// Any person the directory authenticates.
    case authenticated
    /// Members of the configured platform-admin group.
    case platformAdmin
    /// At least this role in the `{tenant}` of the path; callers with no role there get 404.
    case tenant(Role)
    /// Role bindings: the tenant's admins and platform admins.
    case tenantBindings
    /// A signed-in console session (any person); API credentials do not count.
    case session
    /// A console page of the `{tenant}` in its path: a session with at least this role there (no role: 404).
    case consoleTenant(Role)

    public var description: String {
        switch self {
        case .open: "open"
        case .authenticated: "authenticated"
        case .platformAdmin: "platform admin"
        case .tenant(let role): "tenant \(role.rawValue)"
        case .tenantBindings: "tenant admin or platform admin"
        case .session: "console session"
        case .consoleTenant(let role): "console session, tenant \(role.rawValue)"
        }
    }
}

public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    /// OpenAPI form, e.g. `/api/v1/tenants/{tenant}/models/{model}`.
    public let path: String
    public let access: Access
    /// The header naming the tenant when the path does not (MLflow's `X-MLFLOW-WORKSPACE`).
    public let tenantHeader: String?

    public init(method: HTTPRequest.Method, path: String, access: Access, tenantHeader: String? = nil) {
        self.method = method
        self.path = path
        self.access = access
        self.tenantHeader = tenantHeader
    }

    public var description: String { "\(method.rawValue) \(path)\(tenantHeader.map { " (tenant in \($0))" } ?? "") [\(access)]" }
}
