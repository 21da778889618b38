import CairnCore
import Foundation
import Logging
import PostgresNIO

/// Appends an audit entry inside the caller's transaction; the database chains it (sql/0003_audit_log.sql).
/// Call it as the last statement of a change, so the chain head's lock is held only until commit.
enum AuditTrail {
    static func record(_ event: AuditEvent, by actor: Actor, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.execute(
            AppendAuditEntry(
                tenantID: tenantID, actor: actor.username, requestID: actor.requestID, action: event.action, objectType: event.objectType,
                objectID: event.objectID, before: try event.before.map(JSONText.encode), after: try event.after.map(JSONText.encode)),
            logger: logger)
    }
}

/// One entry, prepared once per connection: every change appends one.
struct AppendAuditEntry: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, before, after, request_id, prev_hash, hash, seq)
        VALUES ($1, now(), $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8, '', '', 0)
        """
    typealias Row = ()
    let tenantID: UUID
    let actor: String
    let requestID: String?
    let action: String
    let objectType: String
    let objectID: String
    let before: String?
    let after: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenantID)
        bindings.append(actor)
        bindings.append(action)
        bindings.append(objectType)
        bindings.append(objectID)
        bindings.append(before)
        bindings.append(after)
        bindings.append(requestID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
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
