import CairnApp
import CairnArtifacts
import CairnCore
import CairnHTTPKit
import CairnLDAP
import CairnOutbound
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A reply from the API, its body parsed as JSON where it is JSON.
struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    let json: JSONValue?

    var errorCode: String? { json?["error_code"]?.string }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
}

/// The real application (real PostgreSQL, real slapd) driven through Hummingbird's router tester, built by the same
/// composition root as `cairn serve` (`Server`) from the same settings. It injects the process's shared database pool
/// and blob store and, where a test asks, a clock; it adjusts configuration values, never the wiring. Background jobs
/// are off (their own suites drive them), the event relay runs.
struct APIHarness {
    let db: TestDatabase
    let server: Server

    static func make(
        cacheTTL: Duration = .seconds(60), ldap: LDAPConfiguration? = nil,
        // Lenient by default: suites that send wrong passwords on purpose must not trip it; the throttle's own
        // tests pass strict policies.
        userThrottle: LoginThrottle.Policy = .init(freeFailures: 1000), addressThrottle: LoginThrottle.Policy = .init(freeFailures: 1000),
        artifactLimits: ArtifactLimits = ArtifactLimits(),
        outbound: OutboundPolicy = OutboundPolicy(),
        heartbeat: Duration = .seconds(15), accessRecheck: Duration = .seconds(60), maxStreamsPerCaller: Int = 16,
        accessCacheTTL: Duration = .seconds(5),
        consoleSessions: SessionLifetime = .standard,
        now: @escaping @Sendable () -> Date = Date.init,
        // In place of the process's shared relay (whose listener is up for the whole run).
        relay: EventRelay? = nil
    ) async throws -> APIHarness {
        let db = try await TestDatabase.shared()
        var settings = try Settings(file: nil)
        settings.override("artifacts.root", try TestEnvironment.scratchDirectory("artifacts"))
        var configuration = try ServerConfiguration(settings)
        configuration.port = 0
        configuration.directoryCacheTTL = cacheTTL
        configuration.userThrottle = userThrottle
        configuration.addressThrottle = addressThrottle
        configuration.artifactLimits = artifactLimits
        configuration.outbound = outbound
        configuration.eventHeartbeat = heartbeat
        configuration.eventAccessRecheck = accessRecheck
        configuration.maxStreamsPerCaller = maxStreamsPerCaller
        configuration.accessCacheTTL = accessCacheTTL
        configuration.consoleSessions = consoleSessions
        configuration.artifactSweepInterval = nil
        configuration.outboxMaintenance = nil
        configuration.webhookDispatcher = nil
        configuration.retentionInterval = nil
        var logger = Logger(label: "cairn.test.http")
        logger.logLevel = .warning
        let injected = Server.Injected(
            database: db.database, directory: try ldap.map(LDAPDirectory.init(configuration:)), blobs: try TestBlobs.shared(),
            relay: try relay ?? TestEvents.shared(db), now: now)
        return APIHarness(db: db, server: try Server(configuration, injected: injected, logger: logger))
    }

    /// The version files' service the application uses.
    var artifacts: ArtifactService { server.useCases.files.service }

    func run(_ body: @Sendable @escaping (APIClient) async throws -> Void) async throws {
        try await server.application().test(.router) { client in try await body(APIClient(client: client)) }
    }
}

struct APIClient: Sendable {
    let client: any TestClientProtocol

    /// `user` nil sends no credentials; the password defaults to the fixture's.
    func call(
        _ method: HTTPRequest.Method, _ path: String, as user: String?, password: String? = nil, body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        let authorization = user.map { user in
            "Basic " + Data("\(user):\(password ?? DirectoryFixture.passwords[user] ?? "")".utf8).base64EncodedString()
        }
        return try await send(method, path, authorization: authorization, body: body, extraHeaders: headers)
    }

    /// A request with `Authorization: Bearer <token>`.
    func bearer(_ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil) async throws -> Reply {
        try await send(method, path, authorization: "Bearer \(token)", body: body)
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, authorization: String?, body: String?, contentType: String = "application/json",
        extraHeaders: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extraHeaders
        if let authorization { headers[.authorization] = authorization }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        return Reply(
            status: response.status, headers: response.headers, text: text,
            json: try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
    }

    func call(_ method: HTTPRequest.Method, _ path: String, as user: String?, json: JSONValue) async throws -> Reply {
        try await call(method, path, as: user, body: String(decoding: try JSONEncoder().encode(json), as: UTF8.self))
    }
}

/// One event relay for the whole test process (one LISTEN connection, however many tests run at once).
enum TestEvents {
    private static let relay = Mutex<EventRelay?>(nil)

    static func shared(_ db: TestDatabase) throws -> EventRelay {
        let url = try TestEnvironment.databaseURL()
        return relay.withLock { existing in
            if let existing { return existing }
            var logger = Logger(label: "cairn.test.events")
            logger.logLevel = .error
            let started = EventRelay(hub: EventHub(), store: PostgresEventStore(database: db.database), url: url, logger: logger)
            Task { try await started.run() }
            existing = started
            return started
        }
    }
}

/// One blob store for the whole test process (its own thread pool), under a fresh directory.
enum TestBlobs {
    private static let store = Result { try FileBlobStore(root: TestEnvironment.scratchDirectory("artifacts"), threads: 4, chunkSize: 256 << 10) }
    static func shared() throws -> FileBlobStore { try store.get() }
}

extension APIClient {
    /// PUTs raw bytes (an artifact upload) with extra headers.
    func upload(
        _ path: String, bytes: [UInt8], as user: String, headers extra: [HTTPField.Name: String] = [:]
    ) async throws -> Reply {
        var headers = HTTPFields()
        headers[.authorization] = "Basic " + Data("\(user):\(DirectoryFixture.passwords[user] ?? "")".utf8).base64EncodedString()
        headers[.contentType] = "application/octet-stream"
        for (name, value) in extra { headers[name] = value }
        let response = try await client.execute(uri: path, method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
        let text = String(buffer: response.body)
        return Reply(
            status: response.status, headers: response.headers, text: text,
            json: try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
    }

    /// A download: status, headers and the raw body.
    func download(_ path: String, as user: String, headers extra: [HTTPField.Name: String] = [:]) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, bytes: [UInt8])
    {
        var headers = HTTPFields()
        headers[.authorization] = "Basic " + Data("\(user):\(DirectoryFixture.passwords[user] ?? "")".utf8).base64EncodedString()
        for (name, value) in extra { headers[name] = value }
        let response = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        return (response.status, response.headers, Array(response.body.readableBytesView))
    }
}

/// A percent-encoded query value.
func q(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? value
}

extension APIClient {
    /// A model with `versions` READY versions, registered by alice through the API.
    func seedModel(_ name: String, versions: Int, tenantBase base: String) async throws {
        let model = try await call(.post, "\(base)/models", as: "alice", body: #"{"name":"\#(name)"}"#)
        guard model.status == .created else { throw TestSetupError("model \(name) not created: \(model.text)") }
        for _ in 0..<versions {
            let version = try await call(.post, "\(base)/models/\(name)/versions", as: "alice", body: "{}")
            guard version.status == .created else { throw TestSetupError("version of \(name) not created: \(version.text)") }
        }
    }
}
