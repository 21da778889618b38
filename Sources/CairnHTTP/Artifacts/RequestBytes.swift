import Hummingbird
import NIOCore

/// The request body as byte collections, as CairnCore's upload takes it (without buffering).
struct RequestBytes: AsyncSequence, Sendable {
    typealias Element = ByteBufferView
    let body: RequestBody

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        mutating func next() async throws -> ByteBufferView? { try await base.next()?.readableBytesView }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator()) }
}
