import CairnApp
public import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle

/// What the live event stream needs: the outbox, this replica's hub (fed by the relay) and the heartbeat interval.
public struct EventStreams: Sendable {
    public var store: any EventStore
    public var hub: EventHub
    public var heartbeat: Duration
    /// How often a stream re-checks that its caller may still read the tenant (the directory cache's TTL, so a
    /// person removed from a group or a revoked token loses the stream within it plus one heartbeat).
    public var accessRecheck: Duration
    /// Streams one person may hold open on this replica.
    let quota: StreamQuota
    /// What the re-check asks: the directory, the tenant's bindings and the caller's tokens.
    let directory: any Directory
    let tenants: any TenantStore
    let tokens: any TokenStore
    let platformAdminGroup: DistinguishedName?

    public init(
        store: any EventStore, hub: EventHub, heartbeat: Duration = .seconds(15), accessRecheck: Duration = .seconds(60),
        maxStreamsPerCaller: Int = 16, directory: any Directory, tenants: any TenantStore, tokens: any TokenStore,
        platformAdminGroup: DistinguishedName?
    ) {
        quota = StreamQuota(limit: maxStreamsPerCaller)
        self.store = store
        self.hub = hub
        self.heartbeat = heartbeat
        self.accessRecheck = accessRecheck
        self.directory = directory
        self.tenants = tenants
        self.tokens = tokens
        self.platformAdminGroup = platformAdminGroup
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
            let role = scope.role
            let limit = try request.intQuery("limit")
            if let limit, limit < 0 { throw CairnError.invalid("'limit' must not be negative.") }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            let follower = EventFollower(
                store: events.store, hub: events.hub, tenantID: scope.tenant.id, filter: filter, limit: limit, heartbeat: events.heartbeat,
                logger: context.logger)
            let access = StreamAccess(
                interval: events.accessRecheck, scope: scope, directory: events.directory, tenants: events.tenants, tokens: events.tokens,
                platformAdminGroup: events.platformAdminGroup, logger: context.logger)
            let caller = scope.principal.username
            try await events.quota.acquire(caller)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    do {
                        try await writer.write(ByteBuffer(string: ": cairn events for this tenant\nretry: 2000\n\n"))
                        do {
                            // A stream never ends by itself: when the server stops, the hub ends it (the server
                            // would otherwise wait for it forever), and the client resumes from its Last-Event-ID.
                            try await withGracefulShutdownHandler {
                                try await follower.run(
                                    after: start,
                                    deliver: { event in
                                        try await access.require()
                                        try await writer.write(try Self.serverSentEvent(event.visible(to: role)))
                                    },
                                    heartbeat: {
                                        try await access.require()
                                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                                    })
                            } onGracefulShutdown: { [hub = events.hub] in
                                Task { await hub.close() }
                            }
                        } catch is StreamAccess.Revoked {
                            try await writer.write(ByteBuffer(string: "event: access_revoked\ndata: {}\n\n"))
                        }
                        try await writer.finish(nil)
                    } catch {
                        await events.quota.release(caller)
                        throw error
                    }
                    await events.quota.release(caller)
                })
        }
    }
}

extension APIRoutes {
    /// `id`, `event` (the type) and `data` (the event as JSON) of one Server-Sent Event.
    static func serverSentEvent(_ event: RegistryEvent) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "id: \(event.id)\nevent: \(event.type)\ndata: ")
        buffer.writeBytes(try event.json())
        buffer.writeString("\n\n")
        return buffer
    }
}
