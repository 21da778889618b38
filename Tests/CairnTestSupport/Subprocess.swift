import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Child processes for tests, through posix_spawn (Foundation's Process can hang on Linux when used repeatedly
/// from concurrent tests).
public enum Subprocess {
    /// Runs to completion; returns the exit code and standard output and error together. Output goes to a file
    /// and the child is reaped by polling (`wait`), so no thread and no continuation stands between the child's exit
    /// and the caller: a hand-off through a detached thread was seen to never resume the awaiting test (CI, once).
    /// A child still running after `limit` is killed (status 137) and the output says so: a hung child fails its
    /// test instead of holding the whole run.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment extra: [String: String] = [:],
        limit: Duration = .seconds(120)
    ) async throws -> (status: Int32, output: String) {
        let base = NSTemporaryDirectory() + "cairn-subprocess-\(UUID().uuidString)"
        let outputPath = base + ".out"
        let inputPath = base + ".in"
        defer {
            unlink(outputPath)
            unlink(inputPath)
        }
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inputPath))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let pid = try spawn(executable, arguments, actions: &actions, environment: extra)
        let exited = await wait(pid, killingAfter: limit)
        let output = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))).map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let status = exited else { return (128 + SIGKILL, output + "\n[\(executable) killed: still running after \(limit)]") }
        return (status, output)
    }

    /// `run` on the calling thread, for the short directory edits that `defer` blocks make (tens of milliseconds).
    public static func runBlocking(
        _ executable: String, _ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        var output: [Int32] = [0, 0]
        var stdin: [Int32] = [0, 0]
        guard pipe(&output) == 0, pipe(&stdin) == 0 else { throw TestSetupError("pipe failed") }
        // Only the dup2'd copies may reach the child (and a daemon it starts).
        for fd in output + stdin { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, output[1], 2)
        let pid = try spawn(executable, arguments, actions: &actions, environment: extra)
        close(stdin[0])
        close(output[1])
        if let input {
            let bytes = Array(input.utf8)
            _ = bytes.withUnsafeBytes { write(stdin[1], $0.baseAddress, $0.count) }
        }
        close(stdin[1])
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(output[0], &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        close(output[0])
        return (waitBlocking(pid), String(decoding: data, as: UTF8.self))
    }

    /// Starts a process in the background with its output appended to `log`; returns its pid.
    public static func start(_ executable: String, _ arguments: [String], log: String, environment extra: [String: String] = [:]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        return try spawn(executable, arguments, actions: &actions, environment: extra)
    }

    /// Waits for the process without holding a thread; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public static func wait(_ pid: Int32) async -> Int32 {
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return exitCode(status) }
            if reaped == -1 && errno != EINTR { return -1 }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// `wait`, up to `limit`: a child still running then is killed and reaped, and the answer is nil.
    public static func wait(_ pid: Int32, killingAfter limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return exitCode(status) }
            if reaped == -1 && errno != EINTR { return -1 }
            try? await Task.sleep(for: .milliseconds(10))
        }
        Glibc.kill(pid, SIGKILL)
        await wait(pid)
        return nil
    }

    /// Reaps an exited (or exiting) child on the calling thread.
    public static func reap(_ pid: Int32) { _ = waitBlocking(pid) }

    private static func waitBlocking(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return exitCode(status)
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Resident memory of a running process, in bytes (Linux /proc).
    public static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kib * 1024
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34+'s posix_spawn_file_actions_addclosefrom_np, which its Swift module does not export.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            throw TestSetupError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        guard addCloseFrom(&actions, 3) == 0 else { throw TestSetupError("posix_spawn_file_actions_addclosefrom_np failed") }
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], actions: inout posix_spawn_file_actions_t, environment extra: [String: String]
    ) throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // Nothing but standard input, output and error reaches the child: an inherited database socket would keep
        // that connection alive in PostgreSQL for as long as the child (or a daemon it starts) lives.
        try closeInheritedDescriptors(&actions)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestSetupError("could not start \(executable): \(String(cString: strerror(spawned)))") }
        return pid
    }
}
