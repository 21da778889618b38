import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal Server-Sent Events reader on SwiftNIO: opens the tenant's stream of `model_version.updated` events and
/// records the arrival of each benchmark change (`"description":"b<n>"`).
enum SSEClient {
    static func open(
        _ base: String, tenant: String, credentials: String, recorder: Recorder, group: any EventLoopGroup
    ) async throws -> any Channel {
        guard let url = URLComponents(string: base), let host = url.host, let port = url.port else { throw BenchError("bad URL \(base)") }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StreamHandler(recorder: recorder))
                }
            }
            .connect(host: host, port: port).get()
        var head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/api/v1/tenants/\(tenant)/events?type=model_version.updated")
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        head.headers.add(name: "Accept", value: "text/event-stream")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        return channel
    }

    private final class StreamHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        private let recorder: Recorder
        private var pending: [UInt8] = []
        private static let marker = Array(#""description":"b"#.utf8)

        init(recorder: Recorder) {
            self.recorder = recorder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                if head.status == .ok { recorder.opened() }
            case .body(let buffer):
                pending += buffer.readableBytesView
                scan()
            case .end:
                context.close(promise: nil)
            }
        }

        /// Records every complete `data:` line's benchmark number; keeps the incomplete tail.
        private func scan() {
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[start..<newline]
                if line.starts(with: Array("data: ".utf8)), let found = Self.find(Self.marker, in: line) {
                    var n = 0
                    var index = found
                    while index < line.endIndex, let digit = Int(exactly: line[index]).map({ $0 - 48 }), (0...9).contains(digit) {
                        n = n * 10 + digit
                        index += 1
                    }
                    recorder.arrived(n)
                }
                start = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
        }

        private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
            guard haystack.count >= needle.count else { return nil }
            var index = haystack.startIndex
            while index <= haystack.endIndex - needle.count {
                if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
                index += 1
            }
            return nil
        }
    }
}
