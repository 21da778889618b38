public import CairnCore
public import Foundation
public import Logging
import Metrics
public import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// One per replica: a dedicated connection LISTENs on `cairn_events` and the relay hands each tenant's new events,
/// read from the outbox, to the local `EventHub`. After every (re)connect it re-reads each subscribed tenant from
/// its cursor, so notifications lost while the connection was down cost nothing. Reconnects back off from 100 ms to
/// 5 s; a listener or outbox read that stops answering for `stallTimeout` counts as a lost connection. Notifications
/// carry only '<tenant>:<id>' (the events themselves are read under row-level security), or 'access:<tenant>' when a
/// tenant or its role bindings changed, which `accessChanges` passes to the replica's access caches.
public final class EventRelay: Service, Sendable {
    public typealias Connector = @Sendable (Logger) async throws -> PostgresConnection

    public let hub: EventHub
    let store: any EventStore
    let connect: Connector
    let logger: Logger
    let batchSize: Int
    let probeInterval: Duration
    let stallTimeout: Duration
    public let status = RelayStatus()
    /// Where the listener reports changes of tenants and their role bindings, for the replica's access caches.
    public let accessChanges = AccessChanges()

    public init(
        hub: EventHub, store: any EventStore, connect: @escaping Connector, logger: Logger, batchSize: Int = 500,
        probeInterval: Duration = .seconds(2), stallTimeout: Duration = .seconds(5)
    ) {
        self.hub = hub
        self.store = store
        self.connect = connect
        self.logger = logger
        self.batchSize = batchSize
        self.probeInterval = probeInterval
        self.stallTimeout = stallTimeout
    }

    /// A relay whose listener connects to `url` (the application role).
    public convenience init(hub: EventHub, store: any EventStore, url: DatabaseURL, logger: Logger) {
        self.init(
            hub: hub, store: store,
            connect: { logger in try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 1, logger: logger) },
            logger: logger)
    }

    public func run() async throws {
        await cancelOnGracefulShutdown { await self.loop() }
        status.set(listening: false)
    }

    private func loop() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await listenOnce()
                logger.warning("event listener connection ended; reconnecting")
            } catch {
                if Task.isCancelled { return }
                logger.warning("event listener failed; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
            }
            // A connection that got as far as listening starts the backoff over.
            if status.listening { backoff = .milliseconds(100) }
            status.set(listening: false)
            status.countReconnect()
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    /// Connects, LISTENs, catches every subscribed tenant up, then follows notifications until the connection ends.
    /// A watchdog asks the listening connection `SELECT 1` every `probeInterval`; no answer within `stallTimeout`
    /// (a connection the server cut without the client noticing, seen across a PostgreSQL restart) counts as the
    /// end of the connection, and the listener is abandoned rather than awaited, so the relay always reconnects.
    private func listenOnce() async throws {
        let connection = try await connect(logger)
        let (outcomes, sink) = AsyncStream.makeStream(of: (any Error)?.self)
        let listener = Task {
            do {
                try await connection.listen(on: "cairn_events") { notifications in
                    self.status.set(listening: true)
                    // Whatever changed while no one listened went unheard: cached access is dropped, events re-read.
                    self.accessChanges.anythingMayHaveChanged()
                    for tenant in await self.hub.tenantsWithSubscribers { try await self.deliver(tenantID: tenant, hint: nil) }
                    for try await notification in notifications {
                        if notification.payload.hasPrefix("access:") {
                            if let tenant = UUID(uuidString: String(notification.payload.dropFirst(7))) {
                                self.accessChanges.tenantChanged(tenant)
                            }
                            continue
                        }
                        let parts = notification.payload.split(separator: ":")
                        guard parts.count == 2, let tenant = UUID(uuidString: String(parts[0])), let id = Int64(parts[1]) else { continue }
                        try await self.deliver(tenantID: tenant, hint: id)
                    }
                }
                sink.yield(nil)
            } catch {
                sink.yield(error)
            }
        }
        let watchdog = Task { [probeInterval, stallTimeout, logger] in
            while !Task.isCancelled {
                try? await Task.sleep(for: probeInterval)
                if Task.isCancelled { return }
                let answered = try? await abandoning(after: stallTimeout) {
                    _ = try await connection.query("SELECT 1", logger: logger)
                    return true
                }
                if answered != true {
                    sink.yield(Stalled(what: "the listening connection"))
                    return
                }
            }
        }
        defer {
            watchdog.cancel()
            listener.cancel()
            Task { try? await connection.close() }
        }
        for await outcome in outcomes {
            if let outcome { throw outcome }
            return
        }
    }

    /// Reads the tenant's events after the hub's cursor (or just before the notified id, for a tenant the hub has no
    /// cursor for yet) and publishes them. Does nothing for tenants no one here subscribes to.
    func deliver(tenantID: UUID, hint: Int64?) async throws {
        guard await hub.tenantsWithSubscribers.contains(tenantID) else { return }
        let known = await hub.cursor(tenantID: tenantID)
        if let known, let hint, hint <= known { return }
        guard var cursor = known ?? hint.map({ $0 - 1 }) else { return }
        while true {
            let (store, batchSize, logger) = (self.store, self.batchSize, self.logger)
            let after = cursor
            guard
                let events = try await abandoning(
                    after: stallTimeout, { try await store.events(after: after, tenantID: tenantID, limit: batchSize, logger: logger) })
            else { throw Stalled(what: "reading the outbox") }
            try Task.checkCancellation()  // an abandoned listener publishes nothing late
            await hub.publish(events, tenantID: tenantID)
            RelayMetrics.relayed.increment(by: events.count)
            status.delivered(events.last)
            guard events.count == batchSize, let last = events.last else { return }
            cursor = last.id
        }
    }

    struct Stalled: Error, CustomStringConvertible {
        let what: String
        var description: String { "\(what) did not answer within the relay's stall timeout" }
    }
}

/// What /readyz reports about the relay.
public final class RelayStatus: Sendable {
    private struct State {
        var listening = false
        var reconnects = 0
        var lastEventAt: Date?
    }
    private let state = Mutex(State())

    public var listening: Bool { state.withLock { $0.listening } }
    public var reconnects: Int { state.withLock { $0.reconnects } }
    /// When the newest event this relay delivered was committed.
    public var lastEventAt: Date? { state.withLock { $0.lastEventAt } }

    func set(listening: Bool) {
        state.withLock { $0.listening = listening }
        RelayMetrics.listening.record(listening ? 1 : 0)
    }

    func countReconnect() {
        state.withLock { $0.reconnects += 1 }
        RelayMetrics.reconnects.increment()
    }

    func delivered(_ event: RegistryEvent?) {
        guard let event else { return }
        // Lag: from the newest event's commit to its hand-over to this replica's subscribers.
        RelayMetrics.lag.record(max(0, Date().timeIntervalSince(event.at)))
        state.withLock { $0.lastEventAt = max($0.lastEventAt ?? event.at, event.at) }
    }
}

extension EventRelay {
    /// /readyz details: whether the listener is up, PostgreSQL's NOTIFY queue usage (0–1; at 1 NOTIFY fails and so
    /// would the changes that send it), and how many committed events this replica's subscribers have yet to get.
    public func readiness(database: Database, logger: Logger) async -> JSONObject {
        var details: JSONObject = [
            "listener": .string(status.listening ? "listening" : "reconnecting"),
            "listener_reconnects": .number(Double(status.reconnects)),
            "subscribers": .number(Double(await hub.subscriberCount)),
        ]
        if let usage = try? await database.client.query("SELECT pg_notification_queue_usage()", logger: logger).decode(Double.self)
            .first(where: { _ in true })
        {
            details["notification_queue_usage"] = .number(usage)
        }
        var pending = 0
        for tenant in await hub.tenantsWithSubscribers {
            guard let cursor = await hub.cursor(tenantID: tenant),
                let waiting = try? await store.countEvents(after: cursor, tenantID: tenant, logger: logger)
            else { continue }
            pending += waiting
        }
        details["pending_events"] = .number(Double(pending))
        if let last = status.lastEventAt { details["last_event_at"] = .string(RFC3339.format(last)) }
        return details
    }
}

/// The relay as swift-metrics records it, each updated where it happens (never computed by a scrape).
enum RelayMetrics {
    static let listening = Gauge(label: "cairn_events_listener_up")
    static let reconnects = Counter(label: "cairn_events_listener_reconnects_total")
    static let lag = Gauge(label: "cairn_events_relay_lag_seconds")
    static let relayed = Counter(label: "cairn_events_relayed_total")
}
