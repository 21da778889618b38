public import Foundation
import Synchronization

/// Fans a replica's events out to its live subscribers (SSE streams, `cairn events tail`). Each subscriber has a
/// bounded buffer; one that falls behind is cut off — its stream ends with `overflowed` set — and resumes from the
/// outbox, so a slow reader never slows the others or loses an event.
public actor EventHub {
    public final class Subscription: Sendable {
        public let id = UUID()
        public let tenantID: UUID
        public let events: AsyncStream<RegistryEvent>
        let continuation: AsyncStream<RegistryEvent>.Continuation
        private let overflow = Mutex(false)

        init(tenantID: UUID, buffer: Int) {
            self.tenantID = tenantID
            (events, continuation) = AsyncStream.makeStream(of: RegistryEvent.self, bufferingPolicy: .bufferingOldest(buffer))
        }

        /// True when the stream ended because the subscriber fell behind (not because it was cancelled).
        public var overflowed: Bool { overflow.withLock { $0 } }
        func markOverflowed() { overflow.withLock { $0 = true } }
    }

    private var subscribers: [UUID: [UUID: Subscription]] = [:]
    /// Per tenant: the newest id published to subscribers.
    private var cursors: [UUID: Int64] = [:]
    public nonisolated let bufferSize: Int
    private var closed = false

    public init(bufferSize: Int = 1024) {
        self.bufferSize = bufferSize
    }

    public func subscribe(tenantID: UUID) -> Subscription {
        let subscription = Subscription(tenantID: tenantID, buffer: bufferSize)
        subscribers[tenantID, default: [:]][subscription.id] = subscription
        let id = subscription.id
        subscription.continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id, tenantID: tenantID) }
        }
        if closed { subscription.continuation.finish() }
        return subscription
    }

    /// Ends every live subscription, and every later one at once: this replica is stopping. A subscription ended so
    /// is not `overflowed`, so its follower returns, and the consumer resumes elsewhere after the last id it got.
    public func close() {
        closed = true
        for subscription in subscribers.values.flatMap(\.values) { subscription.continuation.finish() }
    }

    public func unsubscribe(_ subscription: Subscription) {
        subscription.continuation.finish()
        remove(subscription.id, tenantID: subscription.tenantID)
    }

    private func remove(_ id: UUID, tenantID: UUID) {
        subscribers[tenantID]?[id] = nil
        if subscribers[tenantID]?.isEmpty == true {
            subscribers[tenantID] = nil
            cursors[tenantID] = nil
        }
    }

    /// Tenants someone here listens to.
    public var tenantsWithSubscribers: [UUID] { Array(subscribers.keys) }
    public var subscriberCount: Int { subscribers.values.reduce(0) { $0 + $1.count } }

    public func cursor(tenantID: UUID) -> Int64? { cursors[tenantID] }

    /// Where the relay starts reading a tenant it has no cursor for (a subscriber's caught-up position).
    public func startCursor(tenantID: UUID, at id: Int64) {
        guard subscribers[tenantID] != nil, cursors[tenantID] == nil else { return }
        cursors[tenantID] = id
    }

    /// Delivers a tenant's events (ascending ids, all above the cursor) to its subscribers.
    public func publish(_ events: [RegistryEvent], tenantID: UUID) {
        guard let last = events.last else { return }
        cursors[tenantID] = max(cursors[tenantID] ?? 0, last.id)
        for subscription in subscribers[tenantID]?.values ?? [:].values {
            for event in events {
                if case .dropped = subscription.continuation.yield(event) {
                    subscription.markOverflowed()
                    subscription.continuation.finish()
                    break
                }
            }
        }
    }
}
