public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

public struct PostgresTokenStore: TokenStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    private static let columns = "id, name, prefix, owner, role, created_at, expires_at, last_used_at, revoked_at, revoked_by"

    public func createToken(_ token: NewAPIToken, minted: MintedToken, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO cairn.api_tokens (tenant_id, prefix, secret_hash, name, owner, role, expires_at)
                VALUES (\(tenant.id), \(minted.prefix), \(minted.hash), \(token.name), \(actor.username), \(token.role.rawValue), \(token.expiresAt))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let created = try await Self.tokens(from: rows).first else { throw CairnError(.internalError, "Token was not created.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "api_token.created", objectType: "api_token", objectID: created.id.uuidString.lowercased(), after: created.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return created
        }
    }

    public func tokens(ownedBy owner: String?, in tenant: Tenant, logger: Logger) async throws -> [APIToken] {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            try await Self.tokens(
                from: connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM cairn.api_tokens
                    WHERE (\(owner)::text IS NULL OR owner = \(owner)) ORDER BY created_at DESC, id
                    """, logger: logger))
        }
    }

    public func revokeToken(id: UUID, ownedBy owner: String?, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM cairn.api_tokens
                WHERE id = \(id) AND (\(owner)::text IS NULL OR owner = \(owner)) FOR UPDATE
                """, logger: logger)
            guard let current = try await Self.tokens(from: rows).first else { throw CairnError.notFound("Token not found.") }
            guard current.revokedAt == nil else { return current }
            let updated = try await connection.query(
                """
                UPDATE cairn.api_tokens SET revoked_at = now(), revoked_by = \(actor.username) WHERE id = \(id)
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let revoked = try await Self.tokens(from: updated).first else { throw CairnError.notFound("Token not found.") }
            try await AuditTrail.record(
                AuditEvent(
                    action: "api_token.revoked", objectType: "api_token", objectID: id.uuidString.lowercased(),
                    before: current.auditJSON, after: revoked.auditJSON),
                by: actor, tenantID: tenant.id, on: connection, logger: logger)
            return revoked
        }
    }

    public func verify(_ credential: TokenCredential, tenantID: UUID, logger: Logger) async throws -> APIToken? {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns), secret_hash FROM cairn.api_tokens WHERE prefix = \(credential.prefix)", logger: logger)
            var match: APIToken?
            for try await row in rows {
                let access = row.makeRandomAccess()
                if credential.matches(storedHash: try access.value("secret_hash")) { match = try Self.token(from: access) }
            }
            guard let match else { return nil }
            // Recording every use would write on every request; a minute's precision is enough.
            try await connection.query(
                """
                UPDATE cairn.api_tokens SET last_used_at = now()
                WHERE id = \(match.id) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """, logger: logger)
            return match
        }
    }

    private static func tokens(from rows: PostgresRowSequence) async throws -> [APIToken] {
        var tokens: [APIToken] = []
        for try await row in rows { tokens.append(try token(from: row.makeRandomAccess())) }
        return tokens
    }

    private static func token(from row: PostgresRandomAccessRow) throws -> APIToken {
        APIToken(
            id: try row.value("id"), name: try row.value("name"), prefix: try row.value("prefix"), owner: try row.value("owner"),
            role: try Role(validating: try row.value("role")), createdAt: try row.value("created_at"), expiresAt: try row.value("expires_at"),
            lastUsedAt: try row.value("last_used_at"), revokedAt: try row.value("revoked_at"), revokedBy: try row.value("revoked_by"))
    }
}
