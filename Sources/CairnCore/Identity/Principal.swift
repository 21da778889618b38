import Foundation

/// An authenticated caller: who they are in the directory and which groups (normalised DNs) they belong to.
public struct Principal: Sendable, Equatable {
    public let username: String
    public let distinguishedName: String
    public let groups: Set<DistinguishedName>

    public init(username: String, distinguishedName: String, groups: Set<DistinguishedName>) {
        self.username = username
        self.distinguishedName = distinguishedName
        self.groups = groups
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
