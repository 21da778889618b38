public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// Console sessions in `cairn.console_sessions` (sql/0021): found by the hash of their secret, never by the secret.
public struct PostgresSessionStore: SessionStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    private static let columns = "username, csrf_token, created_at, last_seen_at, idle_expires_at, expires_at"

    public func createSession(
        _ secret: SessionSecret, username: String, csrfToken: SessionSecret, lifetime: SessionLifetime, address: String, now: Date,
        logger: Logger
    ) async throws -> ConsoleSession {
        let expiresAt = now.addingTimeInterval(lifetime.absolute.seconds)
        let idleExpiresAt = min(now.addingTimeInterval(lifetime.idle.seconds), expiresAt)
        return try await database.withoutTenant(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.console_sessions
                    (secret_hash, username, csrf_token, client_address, created_at, last_seen_at, idle_expires_at, expires_at)
                VALUES (\(secret.hash), \(username), \(csrfToken.value), \(String(address.prefix(64))), \(now), \(now), \(idleExpiresAt),
                        \(expiresAt))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let created = try await Self.sessions(from: rows).first else { throw CairnError(.internalError, "No session was created.") }
            return created
        }
    }

    public func resumeSession(_ secret: SessionSecret, lifetime: SessionLifetime, now: Date, logger: Logger) async throws -> ConsoleSession? {
        try await database.withoutTenant(logger: logger) { connection in
            try await Self.sessions(
                from: connection.query(
                    """
                    UPDATE cairn.console_sessions
                    SET last_seen_at = \(now), idle_expires_at = least(\(now.addingTimeInterval(lifetime.idle.seconds)), expires_at)
                    WHERE secret_hash = \(secret.hash) AND ended_at IS NULL AND idle_expires_at > \(now) AND expires_at > \(now)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
            ).first
        }
    }

    @discardableResult
    public func endSession(_ secret: SessionSecret, now: Date, logger: Logger) async throws -> Bool {
        try await database.withoutTenant(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE cairn.console_sessions SET ended_at = \(now)
                WHERE secret_hash = \(secret.hash) AND ended_at IS NULL AND expires_at > \(now)
                RETURNING 1
                """, logger: logger
            ).decode(Int.self).first { _ in true } != nil
        }
    }

    private static func sessions(from rows: PostgresRowSequence) async throws -> [ConsoleSession] {
        var sessions: [ConsoleSession] = []
        for try await (username, csrf, created, seen, idle, expires) in rows.decode((String, String, Date, Date, Date, Date).self) {
            sessions.append(
                ConsoleSession(username: username, csrfToken: csrf, createdAt: created, lastSeenAt: seen, idleExpiresAt: idle, expiresAt: expires))
        }
        return sessions
    }
}

extension Duration {
    /// Whole and fractional seconds, for `Date` arithmetic.
    var seconds: TimeInterval {
        let (whole, attoseconds) = components
        return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
    }
}
