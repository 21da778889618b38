public import Logging

/// One caller's request in one tenant, as every use case receives it: the tenant, who is acting, what they may do
/// there, the request's id and its logger (carrying `cairn.tenant` and `cairn.user`).
public struct RequestScope: Sendable {
    public let tenant: Tenant
    public let principal: Principal
    public let access: TenantAccess
    public let requestID: String
    public var logger: Logger

    public init(tenant: Tenant, principal: Principal, access: TenantAccess, requestID: String, logger: Logger) {
        self.tenant = tenant
        self.principal = principal
        self.access = access
        self.requestID = requestID
        self.logger = logger
    }

    /// Recorded as created_by / updated_by and in the audit log.
    public var actor: Actor { Actor(username: principal.username, requestID: requestID) }

    /// The caller's role here; a platform admin without a binding acts as a reader.
    public var role: Role { access.role ?? .reader }

    /// The tenant's lifecycle settings (four-eyes, single Production, required card fields).
    public var policy: LifecyclePolicy { LifecyclePolicy(settings: tenant.settings) }

    /// Whether the caller came with an API token rather than their password.
    public var usesToken: Bool { principal.token != nil }
}
