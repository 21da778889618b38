public import CairnCore
import Logging

/// What a tenant route's handler gets once access is settled: the tenant, the caller and their rights there.
public struct TenantScope: Sendable {
    public let tenant: Tenant
    public let principal: Principal
    public let access: TenantAccess
    public let requestID: String

    /// Recorded as created_by / updated_by and in the audit log.
    public var actor: Actor { Actor(username: principal.username, requestID: requestID) }
}
