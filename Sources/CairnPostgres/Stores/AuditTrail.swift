import CairnCore
import Foundation
import Logging
import PostgresNIO

/// Appends an audit entry inside the caller's transaction; the database chains it (sql/0003_audit_log.sql).
/// Call it as the last statement of a change, so the chain head's lock is held only until commit.
enum AuditTrail {
    static func record(_ event: AuditEvent, by actor: Actor, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let before = try event.before.map(JSONText.encode)
        let after = try event.after.map(JSONText.encode)
        try await connection.query(
            """
            INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, before, after, request_id, prev_hash, hash, seq)
            VALUES (\(tenantID), now(), \(actor.username), \(event.action), \(event.objectType), \(event.objectID),
                    \(before)::jsonb, \(after)::jsonb, \(actor.requestID), '', '', 0)
            """, logger: logger)
    }
}

extension AuditTrail {
    /// Appends several entries in order with one statement (the chain trigger still runs per entry); for jobs that
    /// act on many objects in one transaction.
    static func recordAll(_ events: [AuditEvent], by actor: Actor, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        let befores = try events.map { try $0.before.map(JSONText.encode) ?? "" }
        let afters = try events.map { try $0.after.map(JSONText.encode) ?? "" }
        try await connection.query(
            """
            INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, before, after, request_id, prev_hash, hash, seq)
            SELECT \(tenantID), now(), \(actor.username), e.action, e.object_type, e.object_id, NULLIF(e.before, '')::jsonb,
                   NULLIF(e.after, '')::jsonb, \(actor.requestID), '', '', 0
            FROM unnest(\(events.map(\.action))::text[], \(events.map(\.objectType))::text[], \(events.map(\.objectID))::text[],
                        \(befores)::text[], \(afters)::text[]) WITH ORDINALITY AS e(action, object_type, object_id, before, after, n)
            ORDER BY e.n
            """, logger: logger)
    }
}
