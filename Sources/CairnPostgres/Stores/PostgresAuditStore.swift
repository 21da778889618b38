public import CairnCore
import Foundation
public import Logging
import PostgresNIO

public struct PostgresAuditStore: AuditStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text, actor, action, object_type, object_id,
        before::text AS before_text, after::text AS after_text, request_id, prev_hash, hash
        """

    public func entries(_ query: AuditQuery, in tenant: Tenant, logger: Logger) async throws -> [AuditEntry] {
        let model = query.version?.model
        let number = query.version.map { "\($0.version)" }
        let ownID = query.version.map { "\($0.model)/\($0.version)" }
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM cairn.audit_log
                WHERE (\(model)::text IS NULL
                       OR (COALESCE(after, before) ->> 'model' = \(model) AND COALESCE(after, before) ->> 'version' = \(number))
                       OR (object_type = 'model_version' AND object_id = \(ownID)))
                  AND (\(query.objectType)::text IS NULL OR object_type = \(query.objectType))
                  AND (\(query.objectID)::text IS NULL OR object_id = \(query.objectID))
                  AND (\(query.actor)::text IS NULL OR actor = \(query.actor))
                  AND (\(query.action)::text IS NULL OR action = \(query.action))
                  AND (\(query.since)::timestamptz IS NULL OR at >= \(query.since))
                  AND (\(query.until)::timestamptz IS NULL OR at < \(query.until))
                  AND (\(query.beforeSeq)::bigint IS NULL OR seq < \(query.beforeSeq))
                ORDER BY seq DESC LIMIT \(query.maxResults)
                """, logger: logger)
            return try await Self.entries(from: rows)
        }
    }

    public func verify(tenant: Tenant, logger: Logger) async throws -> AuditChainVerifier.Finding {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            var verifier = AuditChainVerifier()
            for try await row in try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM cairn.audit_log ORDER BY seq", logger: logger)
            {
                verifier.check(try Self.entry(from: row.makeRandomAccess()))
            }
            let head = try await connection.query("SELECT seq, hash FROM cairn.audit_heads", logger: logger)
                .decode((Int64, String).self).first { _ in true }
            return verifier.verdict(head: head.map { (seq: $0.0, hash: $0.1) })
        }
    }

    private static func entries(from rows: PostgresRowSequence) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await row in rows { entries.append(try entry(from: row.makeRandomAccess())) }
        return entries
    }

    private static func entry(from row: PostgresRandomAccessRow) throws -> AuditEntry {
        AuditEntry(
            seq: try row.value("seq"), at: try row.value("at_text"), actor: try row.value("actor"), action: try row.value("action"),
            objectType: try row.value("object_type"), objectID: try row.value("object_id"), before: try row.value("before_text"),
            after: try row.value("after_text"), requestID: try row.value("request_id"), previousHash: try row.value("prev_hash"),
            hash: try row.value("hash"))
    }
}
