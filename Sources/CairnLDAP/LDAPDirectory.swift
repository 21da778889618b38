public import CairnCore
import Foundation
public import Logging
import Metrics
import NIOPosix
import Synchronization

/// Authenticates against an LDAP directory: find the user's DN with the service account (filter value escaped),
/// bind as that DN with the given password, then read the user's groups. libldap blocks, so every call runs on this
/// directory's own thread pool of `maxConcurrentOperations` threads — never on an event loop or the cooperative
/// pool — so a slow or dead directory cannot swallow the server's threads. Connect and operation timeouts bound
/// each call, and the queue in front of the pool is bounded in length and in waiting time.
public final class LDAPDirectory: Directory {
    let configuration: LDAPConfiguration
    private let pool: NIOThreadPool
    private let admitted = Mutex(0)

    public init(configuration: LDAPConfiguration) {
        self.configuration = configuration
        pool = NIOThreadPool(numberOfThreads: max(1, configuration.maxConcurrentOperations))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    public func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal {
        let credentials = try credentials.validated()
        let configuration = self.configuration
        let outcome = try await run(logger: logger) { Self.authenticateBlocking(credentials, configuration) }
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
            throw unavailable(failure, logger: logger)
        }
    }

    public func lookup(username: String, logger: Logger) async throws -> Principal {
        let configuration = self.configuration
        let outcome = try await run(logger: logger) {
            Result { () throws(LDAPHandle.Failure) -> Principal in
                let service = try Self.serviceHandle(configuration)
                let person = try Self.person(username, service: service, configuration: configuration)
                return Principal(
                    username: person.username, distinguishedName: person.dn,
                    groups: try Self.groups(of: person.dn, service: service, configuration: configuration))
            }
        }
        switch outcome {
        case .success(let principal): return principal
        case .failure(let failure) where failure.operation == "lookup":
            logger.info("token owner not found in the directory", metadata: ["cairn.user": "\(username)"])
            throw CairnError.unauthenticated
        case .failure(let failure): throw unavailable(failure, logger: logger)
        }
    }

    public func isHealthy(logger: Logger) async -> Bool {
        let configuration = self.configuration
        do {
            let outcome = try await run(logger: logger) {
                Result { () throws(LDAPHandle.Failure) in _ = try Self.serviceHandle(configuration) }
            }
            if case .failure(let failure) = outcome {
                logger.warning("directory health check failed", metadata: ["error": "\(failure)"])
                return false
            }
            return true
        } catch {
            return false
        }
    }

    private func unavailable(_ failure: LDAPHandle.Failure, logger: Logger) -> CairnError {
        logger.error("directory error", metadata: ["error": "\(failure)"])
        return CairnError(.temporarilyUnavailable, "The directory is unavailable; try again.")
    }

    /// Runs a blocking directory call on the pool. At most 8 × `maxConcurrentOperations` calls are admitted (the
    /// rest get 503 at once), and a call that waited in the queue longer than the timeout gives up without touching
    /// the directory: a caller waits at most about twice the timeout, however dead the directory is.
    private func run<T: Sendable>(logger: Logger, _ body: @escaping @Sendable () -> T) async throws -> T {
        let limit = 8 * max(1, configuration.maxConcurrentOperations)
        let entered = admitted.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard entered else {
            DirectoryMetrics.refused.increment()
            logger.warning("directory busy: refusing a call", metadata: ["cairn.ldap.in_flight": "\(limit)"])
            throw CairnError(.temporarilyUnavailable, "The directory is not answering fast enough; try again.")
        }
        DirectoryMetrics.inFlight.increment()
        let started = ContinuousClock.now
        defer {
            admitted.withLock { $0 -= 1 }
            DirectoryMetrics.inFlight.decrement()
            DirectoryMetrics.duration.recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))
        }
        let deadline = ContinuousClock.now + .seconds(configuration.timeout)
        let result: T?
        do {
            result = try await pool.runIfActive { ContinuousClock.now > deadline ? nil : body() }
        } catch {
            logger.error("directory thread pool unavailable", metadata: ["error": "\(error)"])
            throw CairnError(.temporarilyUnavailable, "The directory is unavailable; try again.")
        }
        guard let result else {
            logger.warning("directory call waited too long for a thread")
            throw CairnError(.temporarilyUnavailable, "The directory is not answering fast enough; try again.")
        }
        return result
    }

    static func authenticateBlocking(_ credentials: Credentials, _ configuration: LDAPConfiguration) -> Result<Principal, LDAPHandle.Failure> {
        Result { () throws(LDAPHandle.Failure) -> Principal in
            let service = try serviceHandle(configuration)
            let person = try person(credentials.username, service: service, configuration: configuration)
            do throws(LDAPHandle.Failure) {
                let user = try LDAPHandle(configuration)
                try user.bind(dn: person.dn, password: credentials.password)
            } catch {
                throw error.isInvalidCredentials ? LDAPHandle.Failure(operation: "user bind", code: error.code) : error
            }
            return Principal(
                username: person.username, distinguishedName: person.dn,
                groups: try groups(of: person.dn, service: service, configuration: configuration))
        }
    }

    private static func serviceHandle(_ configuration: LDAPConfiguration) throws(LDAPHandle.Failure) -> LDAPHandle {
        let service = try LDAPHandle(configuration)
        try service.bind(dn: configuration.bindDN, password: configuration.bindPassword)
        return service
    }

    /// The one entry the login name matches, and the canonical name read back from it. The directory matches
    /// `uid` ignoring case and surrounding spaces, so "DAVE" and " dave" find dave's entry: the name Cairn records
    /// is the entry's own value (of several values, the one the typed name matches), never the typed spelling.
    private static func person(_ username: String, service: LDAPHandle, configuration: LDAPConfiguration) throws(LDAPHandle.Failure) -> (
        dn: String, username: String
    ) {
        let filter = configuration.userFilter.replacingOccurrences(of: "{username}", with: LDAPHandle.escapeFilterValue(username))
        let matches = try service.searchEntries(
            base: configuration.userBase, filter: filter, attribute: configuration.usernameAttribute, sizeLimit: 2)
        guard matches.count == 1, let match = matches.first else {
            throw LDAPHandle.Failure(operation: "lookup", code: Int32(min(matches.count, 2)))
        }
        let typed = LoginName(username)
        guard let canonical = match.values.first(where: { LoginName($0) == typed }) ?? match.values.sorted().first else {
            throw LDAPHandle.Failure(operation: "lookup", code: 0)
        }
        return (match.dn, canonical)
    }

    private static func groups(of dn: String, service: LDAPHandle, configuration: LDAPConfiguration) throws(LDAPHandle.Failure) -> Set<
        DistinguishedName
    > {
        let filter = configuration.groupFilter.replacingOccurrences(of: "{dn}", with: LDAPHandle.escapeFilterValue(dn))
        return Set(try service.searchDNs(base: configuration.groupBase, filter: filter).map(DistinguishedName.init))
    }
}
