public import Logging
import NIOCore
import NIOPosix

extension Settings {
    /// `database.max_connections`; 0 means four per core, at least 8 and at most 64.
    public var databaseMaxConnections: Int {
        get throws {
            let value = try int("database.max_connections")
            guard value >= 0 else { throw SettingsError("database.max_connections must not be negative") }
            return value > 0 ? value : min(64, max(8, 4 * System.coreCount))
        }
    }
}

/// Process-wide threading, chosen once before the server starts: how many NIO event loops serve sockets and
/// PostgreSQL connections, and whether Swift concurrency's tasks run on those same loops (no hop between the
/// concurrency pool and the loop that owns a socket for each await on I/O).
public struct ProcessRuntime: Sendable {
    public var eventLoopThreads: Int
    public var nioExecutor: Bool

    public init(_ settings: Settings) throws {
        let threads = try settings.int("server.event_loop_threads")
        guard threads >= 0 else { throw SettingsError("server.event_loop_threads must not be negative") }
        eventLoopThreads = threads > 0 ? threads : System.coreCount
        nioExecutor = try settings.bool("server.nio_executor")
    }

    /// Call once, from the main thread, before anything uses NIO's shared event loop group.
    @MainActor
    public func install(logger: Logger) {
        NIOSingletons.groupLoopCountSuggestion = eventLoopThreads
        let installed = nioExecutor && NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        logger.info(
            "runtime", metadata: ["cairn.event_loop_threads": "\(eventLoopThreads)", "cairn.nio_executor": "\(installed)"])
    }
}
