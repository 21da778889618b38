public import CairnCore
import Foundation
public import Logging
public import NIOPosix

/// Authenticates against an LDAP directory: find the user's DN with the service account (filter value escaped),
/// bind as that DN with the given password, then read the user's groups. libldap blocks, so each call runs on
/// a thread of `threadPool`, never on an event loop or the cooperative pool.
public struct LDAPDirectory: Directory {
    let configuration: LDAPConfiguration
    let threadPool: NIOThreadPool

    public init(configuration: LDAPConfiguration, threadPool: NIOThreadPool = .singleton) {
        self.configuration = configuration
        self.threadPool = threadPool
    }

    public func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal {
        let credentials = try credentials.validated()
        let configuration = self.configuration
        let outcome: Result<Principal, LDAPHandle.Failure>
        do {
            outcome = try await threadPool.runIfActive { Self.authenticateBlocking(credentials, configuration) }
        } catch {
            logger.error("directory thread pool unavailable", metadata: ["error": "\(error)"])
            throw CairnError(.temporarilyUnavailable, "The directory is unavailable; try again.")
        }
        switch outcome {
        case .success(let principal):
            return principal
        case .failure(let failure) where failure.operation == "user bind" && failure.isInvalidCredentials:
            logger.info("login refused", metadata: ["cairn.user": "\(credentials.username)"])
            throw CairnError.unauthenticated
        case .failure(let failure) where failure.operation == "lookup":
            logger.info(
                "login refused",
                metadata: ["cairn.user": "\(credentials.username)", "cairn.reason": "\(failure.code == 0 ? "no such user" : "ambiguous user")"])
            throw CairnError.unauthenticated
        case .failure(let failure):
            logger.error("directory error", metadata: ["error": "\(failure)"])
            throw CairnError(.temporarilyUnavailable, "The directory is unavailable; try again.")
        }
    }

    static func authenticateBlocking(_ credentials: Credentials, _ configuration: LDAPConfiguration) -> Result<Principal, LDAPHandle.Failure> {
        do {
            let service = try LDAPHandle(url: configuration.url, timeout: configuration.timeout)
            try service.bind(dn: configuration.bindDN, password: configuration.bindPassword)
            let filter = configuration.userFilter.replacingOccurrences(
                of: "{username}", with: LDAPHandle.escapeFilterValue(credentials.username))
            let matches = try service.searchDNs(base: configuration.userBase, filter: filter, sizeLimit: 2)
            guard matches.count == 1, let userDN = matches.first else {
                return .failure(LDAPHandle.Failure(operation: "lookup", code: Int32(min(matches.count, 2))))
            }
            do {
                let user = try LDAPHandle(url: configuration.url, timeout: configuration.timeout)
                try user.bind(dn: userDN, password: credentials.password)
            } catch let failure as LDAPHandle.Failure {
                return .failure(LDAPHandle.Failure(operation: "user bind", code: failure.code))
            }
            let groupFilter = configuration.groupFilter.replacingOccurrences(of: "{dn}", with: LDAPHandle.escapeFilterValue(userDN))
            let groups = try service.searchDNs(base: configuration.groupBase, filter: groupFilter)
            return .success(Principal(username: credentials.username, distinguishedName: userDN, groups: Set(groups.map(DistinguishedName.init))))
        } catch let failure as LDAPHandle.Failure {
            return .failure(failure)
        } catch {
            return .failure(LDAPHandle.Failure(operation: "unexpected", code: -1))
        }
    }
}
