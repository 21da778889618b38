public import Foundation
public import Logging

/// Reads the outbox. Writing is the database's job: every published audit entry becomes an event.
public protocol EventStore: Sendable {
    /// The tenant's events with ids above `id`, oldest first.
    func events(after id: Int64, tenantID: UUID, limit: Int, logger: Logger) async throws -> [RegistryEvent]
    /// How many of the tenant's events have ids above `id` (cheap: no payloads are read).
    func countEvents(after id: Int64, tenantID: UUID, logger: Logger) async throws -> Int
    /// The tenant's newest event id (0 when none).
    func latestEventID(tenantID: UUID, logger: Logger) async throws -> Int64
    /// Removes up to `batch` per tenant of the events before `eventsBefore` (none a delivery still refers to) and
    /// of the settled webhook deliveries before `deliveriesBefore`, with their attempts; returns how many went.
    /// `tenants` limits it to some tenants (nil: all).
    func prune(eventsBefore: Date, deliveriesBefore: Date, batch: Int, tenants: [UUID]?, logger: Logger) async throws -> (
        events: Int, deliveries: Int
    )
}
