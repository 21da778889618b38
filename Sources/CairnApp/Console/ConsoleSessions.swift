public import CairnCore
public import Foundation
public import Logging

/// Signing in to the console and staying signed in: the directory checks the password once; each later request
/// resumes the session and reads the person's current groups again (through the directory's cache), so a removed
/// group or a removed person takes effect as it does for the API.
public struct ConsoleSessions: Sendable {
    let store: any SessionStore
    let directory: any Directory
    public let lifetime: SessionLifetime
    let now: @Sendable () -> Date

    public init(store: any SessionStore, directory: any Directory, lifetime: SessionLifetime, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.directory = directory
        self.lifetime = lifetime
        self.now = now
    }

    /// A new session under the directory's canonical name for the person (whatever spelling they typed).
    public func signIn(_ credentials: Credentials, address: String, logger: Logger) async throws -> (
        session: ConsoleSession, secret: SessionSecret, principal: Principal
    ) {
        let principal = try await directory.authenticate(credentials, logger: logger)
        let secret = SessionSecret()
        let session = try await store.createSession(
            secret, username: principal.username, csrfToken: SessionSecret(), lifetime: lifetime, address: address, now: now(), logger: logger)
        logger.info("console session started", metadata: ["cairn.user": "\(principal.username)"])
        return (session, secret, principal)
    }

    /// The session and its person now; nil when the session is unknown, ended or expired, or the person is gone
    /// from the directory (their session then ends).
    public func resume(_ secret: SessionSecret, logger: Logger) async throws -> (session: ConsoleSession, principal: Principal)? {
        guard let session = try await store.resumeSession(secret, lifetime: lifetime, now: now(), logger: logger) else { return nil }
        do {
            return (session, try await directory.lookup(username: session.username, logger: logger))
        } catch let error as CairnError where error.code == .unauthenticated {
            try await store.endSession(secret, now: now(), logger: logger)
            logger.info("console session ended: the person is no longer in the directory", metadata: ["cairn.user": "\(session.username)"])
            return nil
        }
    }

    public func signOut(_ secret: SessionSecret, logger: Logger) async throws {
        if try await store.endSession(secret, now: now(), logger: logger) { logger.info("console session ended by sign-out") }
    }
}
