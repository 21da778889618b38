public import Hummingbird
public import NIOCore

/// The request body as byte collections, as CairnCore's upload takes it (without buffering).
public struct RequestBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBufferView
    let body: RequestBody

    public init(body: RequestBody) {
        self.body = body
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        public mutating func next() async throws -> ByteBufferView? { try await base.next()?.readableBytesView }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator()) }
}
