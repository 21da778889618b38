public import CairnCore
public import Logging
import NIOCore
import NIOHTTP1
public import NIOPosix
import NIOSSL

/// Sends webhooks over HTTP/1.1 (TLS for https) with SwiftNIO. The host is resolved here, every address is checked
/// against the outbound policy, and the connection goes to a checked address, so a DNS answer cannot change between
/// the check and the send. Redirects are never followed; the answer is read up to 1 KiB.
public struct HTTPWebhookTransport: WebhookTransport {
    let policy: OutboundPolicy
    let group: MultiThreadedEventLoopGroup
    let tls: NIOSSLContext
    let resolver: HostResolver

    /// `caFile`: PEM certificates trusted for https receivers in addition to the system's roots (a private CA).
    public init(policy: OutboundPolicy, caFile: String? = nil, group: MultiThreadedEventLoopGroup = .singleton) throws {
        self.policy = policy
        self.group = group
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.additionalTrustRoots = [.file(caFile)] }
        tls = try NIOSSLContext(configuration: configuration)
        resolver = HostResolver()
    }

    /// Hosts the allow-list names are accepted without a lookup (they may resolve only where the receiver runs).
    public func vet(_ url: WebhookURL, logger: Logger) async throws {
        if policy.namesHost(of: url) { return }
        try policy.check(url, resolvedTo: try await resolver.addresses(of: url))
    }

    public func send(_ request: WebhookRequest, logger: Logger) async throws -> WebhookResponse {
        let deadline = NIODeadline.now() + TimeAmount(request.timeout)
        let addresses = try await resolver.addresses(of: request.url)
        try policy.check(request.url, resolvedTo: addresses)
        var lastError: (any Error)?
        for address in addresses {
            guard NIODeadline.now() < deadline else { break }
            do {
                return try await send(request, to: address, deadline: deadline)
            } catch let error as WebhookSendError where error.kind == .connect {
                lastError = error  // try the next address
            }
        }
        throw lastError ?? WebhookSendError(.timeout, "timed out after \(request.timeout)")
    }

    private func send(_ request: WebhookRequest, to address: IPAddress, deadline: NIODeadline) async throws -> WebhookResponse {
        let loop = group.next()
        let promise = loop.makePromise(of: WebhookResponse.self)
        let url = request.url
        let tls = self.tls
        let socketAddress = try SocketAddress(ipAddress: address.description, port: url.port)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(max(.milliseconds(1), deadline - .now()))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if url.isTLS {
                            let serverName = IPAddress(url.host) == nil ? url.host : nil
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(to: socketAddress).get()
        } catch {
            promise.fail(error)
            throw WebhookSendError(.connect, "could not connect to \(url.hostHeader) (\(address)): \(Self.describe(error))")
        }
        let timeout = loop.scheduleTask(deadline: deadline) {
            promise.fail(WebhookSendError(.timeout, "no complete answer within \(request.timeout)"))
            channel.close(promise: nil)
        }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: url.target)
        head.headers.add(name: "Host", value: url.hostHeader)
        head.headers.add(name: "Content-Length", value: "\(request.body.count)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: request.body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            return try await promise.futureResult.get()
        } catch let error as WebhookSendError {
            throw error
        } catch {
            throw WebhookSendError(.exchange, "\(url.hostHeader) (\(address)): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as IOError: error.description
        case is ChannelError: "\(error)"
        default: String(describing: error)
        }
    }
}

public struct WebhookSendError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case connect, timeout, exchange }
    public let kind: Kind
    public let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Collects one response: status, headers and the first KiB of the body.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<WebhookResponse>
    private var head: HTTPResponseHead?
    private var excerpt: [UInt8] = []

    init(promise: EventLoopPromise<WebhookResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var buffer):
            let room = 1024 - excerpt.count
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { excerpt += bytes }
        case .end:
            guard let head else { return }
            promise.succeed(
                WebhookResponse(
                    status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
                    excerpt: String(decoding: excerpt, as: UTF8.self)))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(WebhookSendError(.exchange, "the receiver closed the connection before answering"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
