import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy on loopback in front of `target`, whose connections can be silenced: a silenced connection stays open
/// and forwards nothing either way, as one the network dropped without a reset. Connections made after a silence
/// flow normally. Threads, not the concurrency pool: a test may silence what an async task is waiting on.
public final class SilenceableProxy: Sendable {
    public let port: Int
    private let listener: Int32
    private let connections = Mutex<[Pipe]>([])
    private let stopped = Atomic<Bool>(false)

    final class Pipe: Sendable {
        let client: Int32
        let server: Int32
        let silenced = Atomic<Bool>(false)
        let closed = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
        func close() {
            guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
    }

    public init(targetPort: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestSetupError("proxy: socket failed") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(listener, 16) == 0 else { throw TestSetupError("proxy: bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptConnections(targetPort: targetPort) }
    }

    private func acceptConnections(targetPort: Int) {
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var target = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            let pipe = Pipe(client: client, server: server)
            connections.withLock { $0.append(pipe) }
            Thread.detachNewThread { Self.copy(from: client, to: server, pipe: pipe) }
            Thread.detachNewThread { Self.copy(from: server, to: client, pipe: pipe) }
        }
    }

    /// Every connection open now forwards nothing from here on (and stays open).
    public func silenceOpenConnections() {
        connections.withLock { $0.forEach { $0.silenced.store(true, ordering: .sequentiallyConsistent) } }
    }

    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        connections.withLock { $0.forEach { $0.close() } }
    }

    private static func copy(from source: Int32, to destination: Int32, pipe: Pipe) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !pipe.closed.load(ordering: .sequentiallyConsistent) {
            if pipe.silenced.load(ordering: .sequentiallyConsistent) {
                usleep(20_000)
                continue
            }
            var poller = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            if pipe.silenced.load(ordering: .sequentiallyConsistent) { continue }
            let count = read(source, &buffer, buffer.count)
            guard count > 0, buffer.withUnsafeBytes({ write(destination, $0.baseAddress, count) }) == count else { break }
        }
        pipe.close()
        // The second copier to stop releases the descriptors.
        if pipe.finished.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue == 2 {
            Glibc.close(pipe.client)
            Glibc.close(pipe.server)
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
