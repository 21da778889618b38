import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A real HTTP server on loopback that records what webhook senders post and answers from a script.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let path: String
        public let headers: [String: String]
        public let body: [UInt8]

        public var messageID: String? { headers["webhook-id"] }
    }

    public enum Reply: Sendable {
        case status(Int, headers: [String: String] = [:])
        /// Answer only after `delay` (longer than the sender's timeout: the sender gives up first).
        case slow(Duration, then: Int)
        /// A status with this body (any bytes, NUL included).
        case body(Int, [UInt8])
    }

    private struct State {
        var received: [Received] = []
        var script: [Reply]
        var fallback: Reply
    }

    public let port: Int
    private let state: Mutex<State>
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

    public let secure: Bool

    private init(port: Int, script: [Reply], fallback: Reply, secure: Bool) {
        self.port = port
        self.secure = secure
        state = Mutex(State(script: script, fallback: fallback))
    }

    /// Listens on a free loopback port; returns once it accepts connections.
    /// `tls`: PEM certificate chain and key files to serve https with.
    public static func start(
        script: [Reply] = [], fallback: Reply = .status(204), tls: (certificate: String, key: String)? = nil
    ) async throws -> WebhookReceiver {
        let receiver = WebhookReceiver(port: try ServerProcess.freePort(), script: script, fallback: fallback, secure: tls != nil)
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let reply = receiver.state.withLock { state in
                state.received.append(Received(path: request.uri.path, headers: headers, body: Array(body.readableBytesView)))
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            switch reply {
            case .status(let code, let extra):
                var fields = HTTPFields()
                for (name, value) in extra { if let name = HTTPField.Name(name) { fields[name] = value } }
                return Response(status: .init(code: code), headers: fields)
            case .slow(let delay, let code):
                try await Task.sleep(for: delay)
                return Response(status: .init(code: code))
            case .body(let code, let bytes):
                return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
        var logger = Logger(label: "cairn.test.receiver")
        logger.logLevel = .critical
        let ready = AsyncStream<Void>.makeStream()
        var server = HTTPServerBuilder.http1()
        if let tls {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let app = Application(
            router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: receiver.port)),
            onServerRunning: { _ in ready.continuation.finish() }, logger: logger)
        receiver.task.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        for await _ in ready.stream {}
        return receiver
    }

    public var url: String { "\(secure ? "https" : "http")://127.0.0.1:\(port)/hook" }
    public var received: [Received] { state.withLock { $0.received } }

    public func answer(_ script: [Reply], fallback: Reply? = nil) {
        state.withLock { state in
            state.script = script
            if let fallback { state.fallback = fallback }
        }
    }

    public func stop() {
        task.withLock { $0?.cancel() }
    }
}
