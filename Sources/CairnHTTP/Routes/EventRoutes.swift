public import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What the live event stream needs: the outbox, this replica's hub (fed by the relay) and the heartbeat interval.
public struct EventStreams: Sendable {
    public var store: any EventStore
    public var hub: EventHub
    public var heartbeat: Duration

    public init(store: any EventStore, hub: EventHub, heartbeat: Duration = .seconds(15)) {
        self.store = store
        self.hub = hub
        self.heartbeat = heartbeat
    }
}

extension APIRoutes {
    /// `GET …/events`: Server-Sent Events, resumable with `Last-Event-ID` or `?after=`, filtered by `type`
    /// (comma-separated, `model_version.*` allowed) and `model`; `limit=N` closes the stream after N events.
    func addEventRoutes(events: EventStreams) {
        add(.get, "tenants/{tenant}/events", access: .tenant(.reader)) { request, context, scope in
            let filter = try EventFilter(
                types: request.query("type").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                model: request.query("model"))
            let resume = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.query("after")
            let start: Int64
            if let resume {
                guard let id = Int64(resume), id >= 0 else { throw CairnError.invalid("Last-Event-ID / after must be an event id.") }
                start = id
            } else {
                start = try await events.store.latestEventID(tenantID: scope.tenant.id, logger: context.logger)
            }
            let limit = try request.intQuery("limit")
            if let limit, limit < 0 { throw CairnError.invalid("'limit' must not be negative.") }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            let stream = EventStream(events: events, tenantID: scope.tenant.id, filter: filter, limit: limit, logger: context.logger)
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await stream.run(from: start, writer: &writer) })
        }
    }
}

/// One SSE connection: catch up from the outbox, then follow the hub; when the hub cuts this subscriber off for
/// falling behind, catch up from the outbox again. Ids never repeat and never skip.
struct EventStream: Sendable {
    let events: EventStreams
    let tenantID: UUID
    let filter: EventFilter
    /// Close after this many events (nil: never).
    let limit: Int?
    let logger: Logger

    /// Thrown when the limit is reached, to unwind to the end of the stream.
    private struct LimitReached: Error {}

    private enum Item: Sendable {
        case event(RegistryEvent)
        case heartbeat
    }

    func run(from start: Int64, writer: inout any ResponseBodyWriter) async throws {
        var last = start
        var sent = 0
        try await writer.write(ByteBuffer(string: ": cairn events for this tenant\nretry: 2000\n\n"))
        while !Task.isCancelled, sent < limit ?? .max {
            let subscription = await events.hub.subscribe(tenantID: tenantID)
            do {
                last = try await catchUp(after: last, sent: &sent, writer: &writer)
                await events.hub.startCursor(tenantID: tenantID, at: last)
                last = try await follow(subscription, after: last, sent: &sent, writer: &writer)
            } catch is LimitReached {
                await events.hub.unsubscribe(subscription)
                break
            } catch {
                await events.hub.unsubscribe(subscription)
                throw error
            }
            await events.hub.unsubscribe(subscription)
            guard subscription.overflowed else { break }
            logger.info("event subscriber fell behind; resuming from the outbox", metadata: ["cairn.event_id": "\(last)"])
        }
        try await writer.finish(nil)
    }

    private func catchUp(after start: Int64, sent: inout Int, writer: inout any ResponseBodyWriter) async throws -> Int64 {
        var last = start
        while true {
            let page = try await events.store.events(after: last, tenantID: tenantID, limit: 500, logger: logger)
            for event in page { try await send(event, sent: &sent, writer: &writer) }
            guard let newest = page.last else { return last }
            last = newest.id
            if page.count < 500 { return last }
        }
    }

    private func follow(
        _ subscription: EventHub.Subscription, after start: Int64, sent: inout Int, writer: inout any ResponseBodyWriter
    ) async throws -> Int64 {
        var last = start
        let (items, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(events.hub.bufferSize + 8))
        let heartbeat = events.heartbeat
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in subscription.events { continuation.yield(.event(event)) }
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
                    try await send(event, sent: &sent, writer: &writer)
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                }
            }
            return last
        }
    }

    private func send(_ event: RegistryEvent, sent: inout Int, writer: inout any ResponseBodyWriter) async throws {
        if let limit, sent >= limit { throw LimitReached() }
        guard filter.matches(event) else { return }
        let data = try JSONEncoder.sorted.encode(EventDTO(event))
        var buffer = ByteBuffer(string: "id: \(event.id)\nevent: \(event.type)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        try await writer.write(buffer)
        sent += 1
        if let limit, sent >= limit { throw LimitReached() }
    }
}

extension JSONEncoder {
    static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
