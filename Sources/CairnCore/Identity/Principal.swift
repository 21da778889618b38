public import Foundation

/// An authenticated caller: who they are in the directory, which groups (normalised DNs) they belong to, and — when
/// they came with an API token — what that token allows.
public struct Principal: Sendable, Equatable {
    public let username: String
    public let distinguishedName: String
    public let groups: Set<DistinguishedName>
    public let token: TokenGrant?

    public init(username: String, distinguishedName: String, groups: Set<DistinguishedName>, token: TokenGrant? = nil) {
        self.username = username
        self.distinguishedName = distinguishedName
        self.groups = groups
        self.token = token
    }

    public func with(token: TokenGrant) -> Principal {
        Principal(username: username, distinguishedName: distinguishedName, groups: groups, token: token)
    }
}

/// What an API token adds to its owner's identity: one tenant and a role ceiling.
public struct TokenGrant: Sendable, Equatable {
    public let tokenID: UUID
    public let tenantID: UUID
    public let role: Role

    public init(tokenID: UUID, tenantID: UUID, role: Role) {
        self.tokenID = tokenID
        self.tenantID = tenantID
        self.role = role
    }
}

/// What a caller may do in one tenant: their highest bound role, or platform administration rights.
public struct TenantAccess: Sendable, Equatable {
    public let role: Role?
    public let isPlatformAdmin: Bool

    public init(role: Role?, isPlatformAdmin: Bool) {
        self.role = role
        self.isPlatformAdmin = isPlatformAdmin
    }

    /// The rule for a caller in a tenant: the highest role their groups are bound to, capped by their token's role;
    /// a token works only in its own tenant and never carries platform administration.
    public init(principal: Principal, tenantID: UUID, boundRole: Role?, platformAdminGroup: DistinguishedName?) {
        guard let grant = principal.token else {
            self.init(role: boundRole, isPlatformAdmin: platformAdminGroup.map(principal.groups.contains) ?? false)
            return
        }
        guard grant.tenantID == tenantID, let boundRole else {
            self.init(role: nil, isPlatformAdmin: false)
            return
        }
        self.init(role: min(boundRole, grant.role), isPlatformAdmin: false)
    }

    /// A caller with no role in a tenant must not learn that it exists: that is a 404, not a 403.
    public var canSeeTenant: Bool { role != nil || isPlatformAdmin }

    public func require(_ needed: Role) throws(CairnError) {
        guard canSeeTenant else { throw .notFound("Tenant not found.") }
        guard let role, role >= needed else {
            throw .denied("This action needs the '\(needed.rawValue)' role in this tenant.")
        }
    }

    /// Role bindings: a tenant's admins, and platform admins for every tenant.
    public func requireBindingManagement() throws(CairnError) {
        if isPlatformAdmin { return }
        try require(.admin)
    }
}
