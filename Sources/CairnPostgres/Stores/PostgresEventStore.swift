public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

/// The outbox, read under row-level security (one tenant per transaction).
public struct PostgresEventStore: EventStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func events(after id: Int64, tenantID: UUID, limit: Int, logger: Logger) async throws -> [RegistryEvent] {
        try await database.withTenant(tenantID, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM cairn.events WHERE id > \(id) ORDER BY id LIMIT \(limit)
                """, logger: logger)
            return try await Self.events(from: rows, tenantID: tenantID)
        }
    }

    static let columns = "id, type, object_type, object_id, model, version, payload::text, actor, request_id, at"

    /// Rows selected with `columns`, as events of `tenantID`.
    static func events(from rows: PostgresRowSequence, tenantID: UUID) async throws -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        for try await (id, type, objectType, objectID, model, version, payload, actor, requestID, at) in rows.decode(
            (Int64, String, String, String, String?, Int?, String, String, String?, Date).self)
        {
            events.append(
                RegistryEvent(
                    id: id, tenantID: tenantID, type: type, objectType: objectType, objectID: objectID, model: model, version: version,
                    payload: try JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)), actor: actor, requestID: requestID, at: at))
        }
        return events
    }

    public func countEvents(after id: Int64, tenantID: UUID, logger: Logger) async throws -> Int {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await connection.query("SELECT count(*)::int FROM cairn.events WHERE id > \(id)", logger: logger).decode(Int.self).first { _ in true }
                ?? 0
        }
    }

    public func latestEventID(tenantID: UUID, logger: Logger) async throws -> Int64 {
        try await database.withTenant(tenantID, logger: logger) { connection in
            try await connection.query("SELECT COALESCE(max(id), 0) FROM cairn.events", logger: logger).decode(Int64.self).first { _ in true } ?? 0
        }
    }

    public func prune(eventsBefore: Date, deliveriesBefore: Date, batch: Int, tenants: [UUID]?, logger: Logger) async throws -> (
        events: Int, deliveries: Int
    ) {
        try await database.withoutTenant(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT events, deliveries FROM cairn.prune_outbox(\(eventsBefore), \(deliveriesBefore), \(batch)::int, \(tenants)::uuid[])",
                logger: logger)
            for try await (events, deliveries) in rows.decode((Int64, Int64).self) { return (Int(events), Int(deliveries)) }
            return (0, 0)
        }
    }
}
