public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real `cairn serve` process against the test database and directory, on a free loopback port.
public struct ServerProcess: Sendable {
    public let pid: Int32
    public let port: Int
    public let artifactRoot: String
    public let log: String

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public static func start(artifactRoot: String, environment extra: [String: String] = [:]) async throws -> ServerProcess {
        let port = try freePort()
        let log = "\(artifactRoot).server.log"
        var environment = [
            "CAIRN_HTTP_PORT": "\(port)", "CAIRN_HTTP_HOST": "127.0.0.1", "CAIRN_ARTIFACT_ROOT": artifactRoot,
            "CAIRN_ARTIFACT_SWEEP_INTERVAL_SECONDS": "0", "CAIRN_LOG_LEVEL": "warning",
            // Tests share one database: a server delivers webhooks only when a test names its tenants.
            "CAIRN_WEBHOOK_CONCURRENCY": "0", "CAIRN_RETENTION_INTERVAL_SECONDS": "0",
        ]
        environment.merge(extra) { _, new in new }
        let pid = try Subprocess.start(try TestEnvironment.cairnBinary(), ["serve"], log: log, environment: environment)
        let server = ServerProcess(pid: pid, port: port, artifactRoot: artifactRoot, log: log)
        for _ in 0..<200 {
            if let (status, _) = try? await Subprocess.run(
                "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(server.baseURL)/readyz"]),
                status == 0, try await Subprocess.run("/usr/bin/curl", ["-s", "\(server.baseURL)/readyz"]).output.contains("\"ready\"")
            {
                return server
            }
            if waitpid(pid, nil, WNOHANG) == pid {
                throw TestSetupError("cairn serve exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stop(SIGKILL)
        throw TestSetupError("cairn serve did not become ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    /// Signals the server and waits for it to exit, without holding a thread; true when it did within `limit` (a
    /// server that does not is killed, so no test waits on it forever).
    @discardableResult
    public func stop(_ signal: Int32? = nil, within limit: Duration = .seconds(30)) async -> Bool {
        _ = Glibc.kill(pid, signal ?? SIGTERM)
        return await Subprocess.wait(pid, killingAfter: limit) != nil
    }

    /// Signals the server and reaps it on a thread of its own (for `defer`, which cannot wait).
    public func kill(_ signal: Int32? = nil) {
        _ = Glibc.kill(pid, signal ?? SIGTERM)
        let pid = self.pid
        Thread.detachNewThread { Subprocess.reap(pid) }
    }

    public var residentBytes: Int? { Subprocess.residentBytes(pid) }

    /// A port nothing listens on right now (the kernel's choice for an ephemeral bind).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
