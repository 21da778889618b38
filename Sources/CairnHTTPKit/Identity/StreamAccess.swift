public import CairnCore
import Foundation
public import Logging

/// Re-checks, at most every `interval`, that the caller of a long-lived stream may still read the tenant: the
/// person is still in the directory with a group bound to a role here, and their token (if they came with one) is
/// neither revoked nor expired. A definite "no" ends the stream; a directory or database that cannot answer now
/// is asked again at the next check.
public actor StreamAccess {
    public struct Revoked: Error {}

    private let interval: Duration
    private let scope: RequestScope
    private let directory: any Directory
    private let tenants: any TenantStore
    private let tokens: any TokenStore
    private let platformAdminGroup: DistinguishedName?
    private let logger: Logger
    private var nextCheck: ContinuousClock.Instant

    public init(
        interval: Duration, scope: RequestScope, directory: any Directory, tenants: any TenantStore, tokens: any TokenStore,
        platformAdminGroup: DistinguishedName?, logger: Logger
    ) {
        self.interval = interval
        self.scope = scope
        self.directory = directory
        self.tenants = tenants
        self.tokens = tokens
        self.platformAdminGroup = platformAdminGroup
        self.logger = logger
        nextCheck = ContinuousClock.now + interval
    }

    /// Throws `Revoked` once access is gone.
    public func require() async throws {
        guard ContinuousClock.now >= nextCheck else { return }
        nextCheck = ContinuousClock.now + interval
        do {
            guard try await stillAllowed() else {
                logger.info("event stream ended: access revoked")
                throw Revoked()
            }
        } catch let error as CairnError where error.code == .unauthenticated {
            logger.info("event stream ended: the caller is no longer in the directory")
            throw Revoked()
        } catch let error as CairnError {
            logger.warning("could not re-check an event stream's access; will try again", metadata: ["error": "\(error)"])
        }
    }

    private func stillAllowed() async throws -> Bool {
        let tenant = scope.tenant
        if let grant = scope.principal.token {
            let current = try await tokens.tokens(ownedBy: scope.principal.username, in: tenant, logger: logger)
            guard let token = current.first(where: { $0.id == grant.tokenID }), token.isUsable(at: Date()) else { return false }
        }
        var person = try await directory.lookup(username: scope.principal.username, logger: logger)
        if let grant = scope.principal.token { person = person.with(token: grant) }
        let role = try await tenants.role(groups: person.groups, tenantID: tenant.id, logger: logger)
        let access = TenantAccess(principal: person, tenantID: tenant.id, boundRole: role, platformAdminGroup: platformAdminGroup)
        return access.canSeeTenant && access.role != nil
    }
}
