public import Foundation
public import Logging

/// Console sessions, shared by every replica (PostgreSQL).
public protocol SessionStore: Sendable {
    /// Stores a new session for `username` (the directory's canonical name) under the secret's hash.
    func createSession(
        _ secret: SessionSecret, username: String, csrfToken: SessionSecret, lifetime: SessionLifetime, address: String, now: Date,
        logger: Logger
    ) async throws -> ConsoleSession

    /// The live session with this secret, its idle deadline moved on (nil: unknown, ended or expired).
    func resumeSession(_ secret: SessionSecret, lifetime: SessionLifetime, now: Date, logger: Logger) async throws -> ConsoleSession?

    /// Ends the session for good (sign-out); true when there was a live one.
    @discardableResult
    func endSession(_ secret: SessionSecret, now: Date, logger: Logger) async throws -> Bool
}
