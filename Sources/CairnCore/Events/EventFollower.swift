public import Foundation
public import Logging

/// Follows one tenant's events for a consumer (an SSE connection, `cairn events tail`): catches up from the outbox,
/// then takes live events from the hub; when the hub cuts the consumer off for falling behind, catches up from the
/// outbox again. Ids never repeat and never skip; heartbeats fill quiet periods.
public struct EventFollower: Sendable {
    public let store: any EventStore
    public let hub: EventHub
    public let tenantID: UUID
    public let filter: EventFilter
    /// Stop after this many events (nil: never).
    public let limit: Int?
    public let heartbeat: Duration
    public let logger: Logger

    public init(
        store: any EventStore, hub: EventHub, tenantID: UUID, filter: EventFilter, limit: Int?, heartbeat: Duration, logger: Logger
    ) {
        self.store = store
        self.hub = hub
        self.tenantID = tenantID
        self.filter = filter
        self.limit = limit
        self.heartbeat = heartbeat
        self.logger = logger
    }

    private enum Item: Sendable {
        case event(RegistryEvent)
        case heartbeat
    }

    private struct LimitReached: Error {}

    /// Runs until the limit is reached, the task is cancelled or `deliver` throws (the consumer went away).
    public func run(
        after start: Int64, deliver: (RegistryEvent) async throws -> Void, heartbeat beat: () async throws -> Void
    ) async throws {
        var last = start
        var sent = 0
        let send = { (event: RegistryEvent) async throws in
            if let limit, sent >= limit { throw LimitReached() }
            guard filter.matches(event) else { return }
            try await deliver(event)
            sent += 1
            if let limit, sent >= limit { throw LimitReached() }
        }
        while !Task.isCancelled, sent < limit ?? .max {
            let subscription = await hub.subscribe(tenantID: tenantID)
            do {
                last = try await catchUp(after: last, send: send)
                await hub.startCursor(tenantID: tenantID, at: last)
                last = try await follow(subscription, after: last, send: send, beat: beat)
            } catch is LimitReached {
                await hub.unsubscribe(subscription)
                return
            } catch {
                await hub.unsubscribe(subscription)
                throw error
            }
            await hub.unsubscribe(subscription)
            guard subscription.overflowed else { return }
            logger.info("event subscriber fell behind; resuming from the outbox", metadata: ["cairn.event_id": "\(last)"])
        }
    }

    private func catchUp(after start: Int64, send: (RegistryEvent) async throws -> Void) async throws -> Int64 {
        var last = start
        while true {
            let page = try await store.events(after: last, tenantID: tenantID, limit: 500, logger: logger)
            for event in page {
                last = event.id
                try await send(event)
            }
            if page.count < 500 { return last }
        }
    }

    private func follow(
        _ subscription: EventHub.Subscription, after start: Int64, send: (RegistryEvent) async throws -> Void, beat: () async throws -> Void
    ) async throws -> Int64 {
        var last = start
        let (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(hub.bufferSize + 8))
        let heartbeat = self.heartbeat
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A consumer slower than the burst fills this buffer too: then it is cut off like the hub cuts off a
                // slow subscriber (overflowed), and run() resumes it from the outbox after the last event it got.
                for await event in subscription.events {
                    if case .dropped = continuation.yield(.event(event)) {
                        subscription.markOverflowed()
                        break
                    }
                }
                continuation.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeat)
                    continuation.yield(.heartbeat)
                }
            }
            defer { group.cancelAll() }
            for await item in items {
                switch item {
                case .event(let event):
                    guard event.id > last else { continue }
                    last = event.id
                    try await send(event)
                case .heartbeat:
                    try await beat()
                }
            }
            return last
        }
    }
}
