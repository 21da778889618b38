import CairnApp
import CairnArtifacts
import CairnCore
import CairnPostgres
import CairnTestSupport
import Crypto
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `cairn` executable: a 200 MB round trip with the server's memory measured, kill -9 in the middle of an
/// upload, and the `cairn artifacts` commands. One at a time, so memory readings are not disturbed by each other.
@Suite(.serialized) struct ServerProcessTests {
    let db: TestDatabase

    init() async throws {
        db = try await TestDatabase.shared()
    }

    /// `megabytes` MiB of non-repeating-looking bytes; returns the path and the SHA-256.
    static func largeFile(megabytes: Int, in directory: String) throws -> (path: String, sha256: String) {
        let path = "\(directory)/large.bin"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var block = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var hasher = SHA256()
        for index in 0..<megabytes {
            block[0] = UInt8(truncatingIfNeeded: index)
            block[1] = UInt8(truncatingIfNeeded: index >> 8)
            hasher.update(data: block)
            try handle.write(contentsOf: block)
        }
        return (path, BlobDigest(bytes: hasher.finalize()).hex)
    }

    /// Runs curl to completion (at most five minutes) while sampling the server's resident memory every 10 ms.
    static func curl(_ arguments: [String], server: ServerProcess, log: String) async throws -> (status: Int32, output: String, peakRSS: Int) {
        let pid = try Subprocess.start("/usr/bin/curl", ["-sS", "--max-time", "300", "-H", "Expect:"] + arguments, log: log)
        var peak = server.residentBytes ?? 0
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            peak = max(peak, server.residentBytes ?? 0)
            try await Task.sleep(for: .milliseconds(10))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xff, output, peak)
    }

    @Test func aLargeRoundTripKeepsServerMemoryFlat() async throws {
        let tenant = try await db.makeModel("large", versions: 1)
        let scratch = try TestEnvironment.scratchDirectory("large")
        let (file, sha256) = try Self.largeFile(megabytes: 200, in: scratch)
        let server = try await ServerProcess.start(artifactRoot: "\(scratch)/store")
        defer { server.kill() }
        let url = "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/models/m/versions/1/files/model.safetensors"

        // Warm up (first connection, first database and directory calls), then take the idle reading.
        _ = try await Self.curl(["-u", "alice:alice-pw", "-T", "/dev/null", "\(url).warmup"], server: server, log: "\(scratch)/warm.log")
        _ = try await Self.curl(["-u", "alice:alice-pw", "-o", "/dev/null", "\(url).warmup"], server: server, log: "\(scratch)/warm2.log")
        try await Task.sleep(for: .milliseconds(200))
        let idle = try #require(server.residentBytes)

        let upload = try await Self.curl(
            ["-u", "alice:alice-pw", "-T", file, "-o", "\(scratch)/upload.json", "-w", "%{http_code}", url], server: server, log: "\(scratch)/up.log")
        #expect(upload.status == 0)
        #expect(upload.output.hasSuffix("201"), "\(upload.output)")
        let response = try String(contentsOfFile: "\(scratch)/upload.json", encoding: .utf8)
        #expect(response.contains("\"sha256\":\"\(sha256)\""), "\(response)")

        let download = try await Self.curl(
            ["-u", "alice:alice-pw", "-o", "\(scratch)/download.bin", "-w", "%{http_code}", url], server: server, log: "\(scratch)/down.log")
        #expect(download.output.hasSuffix("200"), "\(download.output)")
        #expect(try await Subprocess.run("/usr/bin/cmp", [file, "\(scratch)/download.bin"]).status == 0, "the download differs from the upload")

        let mib = { (bytes: Int) in Double(bytes) / 1_048_576 }
        print(
            "[measure] 200 MiB round trip: idle RSS \(mib(idle)) MiB, upload peak +\(mib(upload.peakRSS - idle)) MiB, download peak +\(mib(download.peakRSS - idle)) MiB"
        )
        // Buffering the body would cost at least 200 MiB; streaming costs a few chunk buffers.
        #expect(upload.peakRSS - idle < 48 << 20, "upload grew the server by \(mib(upload.peakRSS - idle)) MiB")
        #expect(download.peakRSS - idle < 48 << 20, "download grew the server by \(mib(download.peakRSS - idle)) MiB")
        try? FileManager.default.removeItem(atPath: scratch)
    }

    @Test func killDashNineDuringAnUploadLeavesNothingVisible() async throws {
        let tenant = try await db.makeModel("kill9", versions: 1)
        let scratch = try TestEnvironment.scratchDirectory("kill9")
        let (file, sha256) = try Self.largeFile(megabytes: 64, in: scratch)
        let root = "\(scratch)/store"
        let server = try await ServerProcess.start(artifactRoot: root)
        let url = "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/models/m/versions/1/files/model.bin"
        let curl = try Subprocess.start(
            "/usr/bin/curl", ["-sS", "--max-time", "120", "-H", "Expect:", "--limit-rate", "8M", "-u", "alice:alice-pw", "-T", file, url],
            log: "\(scratch)/curl.log")

        // Kill the server once part of the upload is on disk.
        let uploads = "\(root)/\(tenant.id.uuidString.lowercased())/uploads"
        var partial = 0
        for _ in 0..<500 where partial < 4 << 20 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []
            partial = names.compactMap { try? FileManager.default.attributesOfItem(atPath: "\(uploads)/\($0)")[.size] as? Int }.max() ?? 0
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(partial >= 4 << 20, "the upload never reached the disk")
        await server.stop(SIGKILL)
        #expect(await Subprocess.wait(curl) != 0, "curl should see the connection die")

        // No visible blob, no file row, the version still pending.
        let tenantRoot = "\(root)/\(tenant.id.uuidString.lowercased())"
        #expect(FileManager.default.fileExists(atPath: uploads), "the store under test is not where this test looks")
        #expect(!FileManager.default.fileExists(atPath: "\(tenantRoot)/blobs/sha256/\(sha256.prefix(2))/\(sha256)"), "the killed upload's blob")
        let blobs = FileManager.default.subpaths(atPath: "\(tenantRoot)/blobs") ?? []
        #expect(blobs.allSatisfy { BlobDigest(hex: ($0 as NSString).lastPathComponent) == nil }, "\(blobs)")
        let store = PostgresArtifactStore(database: db.database)
        let files = try await store.files(version: 1, of: "m", in: tenant, logger: db.logger)
        #expect(files.files.isEmpty)
        #expect(files.status == .pendingRegistration)

        // A restarted server serves nothing for it; the leftover is collected as an abandoned upload.
        let restarted = try await ServerProcess.start(artifactRoot: root)
        defer { restarted.kill() }
        let restartedURL = "\(restarted.baseURL)/api/v1/tenants/\(tenant.slug)/models/m/versions/1/files/model.bin"
        let get = try await Subprocess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "carol:carol-pw", restartedURL])
        #expect(get.output == "404")
        let service = ArtifactService(blobs: try FileBlobStore(root: root, threads: 1), store: store, limits: ArtifactLimits())
        let report = try await service.collectGarbage(tenant, abandonedAfter: .seconds(0), now: Date().addingTimeInterval(5), logger: db.logger)
        #expect(report.abandonedUploads == 1)
        #expect(report.storedBlobs == 0)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// SIGTERM with event streams open: the server ends them (a complete response each, so the client reconnects
    /// rather than reports a broken one) and exits, instead of waiting for streams that never end by themselves.
    @Test func aStoppingServerEndsItsEventStreamsAndExits() async throws {
        let tenant = try await db.makeModel("sse-stop", versions: 1)
        let scratch = try TestEnvironment.scratchDirectory("sse-stop")
        let server = try await ServerProcess.start(artifactRoot: "\(scratch)/store")
        let stream = "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/events"
        let followers = try (0..<2).map { index in
            try Subprocess.start("/usr/bin/curl", ["-sS", "-N", "--max-time", "60", "-u", "carol:carol-pw", stream], log: "\(scratch)/\(index).sse")
        }
        for _ in 0..<250 {
            let opened = (0..<2).map { (try? String(contentsOfFile: "\(scratch)/\($0).sse", encoding: .utf8))?.contains(": cairn events") == true }
            if !opened.contains(false) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let stopped = ContinuousClock.now
        #expect(await server.stop(within: .seconds(20)), "the server was still running 20 s after SIGTERM")
        #expect(ContinuousClock.now - stopped < .seconds(10))
        for (index, follower) in followers.enumerated() {
            #expect(await Subprocess.wait(follower, killingAfter: .seconds(10)) == 0, "curl \(index) saw the stream end cleanly")
        }
    }

    /// The threading and pool settings reach the real process: one loop, concurrency on its own pool, two connections.
    @Test func aServerSizedByHandServes() async throws {
        let tenant = try await db.makeModel("sized", versions: 1)
        let server = try await ServerProcess.start(
            artifactRoot: try TestEnvironment.scratchDirectory("sized"),
            environment: ["CAIRN_EVENT_LOOP_THREADS": "1", "CAIRN_NIO_EXECUTOR": "false", "CAIRN_DATABASE_MAX_CONNECTIONS": "2"])
        let read = try? await Subprocess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "carol:carol-pw",
                "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/models/m/versions/1",
            ])
        #expect(await server.stop(), "the server did not shut down within 30 s of SIGTERM")
        #expect(read?.output == "200", "\(read?.output ?? "curl did not run")")
    }

    @Test func theVerifyCommandNamesBrokenFilesAndFails() async throws {
        let tenant = try await db.makeModel("cli-verify", versions: 1)
        let root = try TestEnvironment.scratchDirectory("cli-verify")
        let blobs = try FileBlobStore(root: root, threads: 1)
        let service = ArtifactService(blobs: blobs, store: PostgresArtifactStore(database: db.database), limits: ArtifactLimits())
        let file = try await service.put(Array("onnx weights".utf8), at: "model.onnx", version: 1, in: tenant, logger: db.logger)
        _ = try await service.finalize(version: 1, of: "m", in: tenant, by: "t", logger: db.logger)
        let environment = ["CAIRN_ARTIFACT_ROOT": root, "CAIRN_LOG_LEVEL": "error"]
        let binary = try TestEnvironment.cairnBinary()

        let intact = try await Subprocess.run(binary, ["artifacts", "verify", "--tenant", tenant.slug.value], environment: environment)
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("1 blobs checked, 1 intact, 0 broken files"), "\(intact.output)")

        let path = "\(root)/\(tenant.id.uuidString.lowercased())/blobs/sha256/\(file.digest.hex.prefix(2))/\(file.digest.hex)"
        #expect(chmod(path, 0o600) == 0)
        try Data("onnx weighty".utf8).write(to: URL(fileURLWithPath: path))
        let broken = try await Subprocess.run(binary, ["artifacts", "verify", "--tenant", tenant.slug.value], environment: environment)
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("CORRUPT m v1 model.onnx sha256:\(file.digest.hex)"), "\(broken.output)")

        let gc = try await Subprocess.run(binary, ["artifacts", "gc", "--tenant", tenant.slug.value], environment: environment)
        #expect(gc.status == 0, "\(gc.output)")
        #expect(gc.output.contains("1 blobs stored, 0 removed"), "\(gc.output)")
    }

    /// Parses a Server-Sent Events transcript into (id, type, data) triples.
    static func serverSentEvents(_ text: String) -> [(id: Int64, type: String, data: String)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: Int64?
            var type = ""
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return id.map { ($0, type, data) }
        }
    }

    /// Waits for a background curl to exit; kills it after `seconds`.
    static func finish(_ pid: Int32, within seconds: Int) async throws {
        for _ in 0..<(seconds * 50) where waitpid(pid, nil, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        if kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            await Subprocess.wait(pid)
        }
    }

    @Test func serverSentEventsDeliverEveryChangeOnceInOrderPerTenantAndResume() async throws {
        let a = try await db.makeModel("sse-a", versions: 3)
        let b = try await db.makeModel("sse-b", versions: 1)
        let scratch = try TestEnvironment.scratchDirectory("sse")
        let server = try await ServerProcess.start(artifactRoot: "\(scratch)/store", environment: ["CAIRN_EVENTS_HEARTBEAT_SECONDS": "1"])
        defer { server.kill() }
        let stream = { (tenant: Tenant, query: String) in "\(server.baseURL)/api/v1/tenants/\(tenant.slug)/events?\(query)" }
        let changes = 60
        let followA = try Subprocess.start(
            "/usr/bin/curl", ["-sS", "-N", "-u", "carol:carol-pw", stream(a, "limit=\(changes)")], log: "\(scratch)/a.sse")
        let followB = try Subprocess.start(
            "/usr/bin/curl", ["-sS", "-N", "--max-time", "5", "-u", "carol:carol-pw", stream(b, "")], log: "\(scratch)/b.sse")
        for _ in 0..<250 {
            let opened = [
                (try? String(contentsOfFile: "\(scratch)/a.sse", encoding: .utf8)),
                (try? String(contentsOfFile: "\(scratch)/b.sse", encoding: .utf8)),
            ]
            if opened.allSatisfy({ $0?.contains(": cairn events") == true }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }

        // Concurrent writers in both tenants.
        let db = self.db
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<3 {
                group.addTask {
                    for i in 0..<(changes / 3) {
                        _ = try await db.registry.updateVersion(
                            worker + 1, of: "m",
                            try ModelVersionChanges(description: "a\(i)", status: nil, statusMessage: nil, tags: nil, metrics: nil),
                            in: a, by: "test", logger: db.logger)
                    }
                }
            }
            group.addTask {
                for i in 0..<10 {
                    _ = try await db.registry.updateVersion(
                        1, of: "m", try ModelVersionChanges(description: "b\(i)", status: nil, statusMessage: nil, tags: nil, metrics: nil), in: b,
                        by: "test", logger: db.logger)
                }
            }
            try await group.waitForAll()
        }
        try await Self.finish(followA, within: 20)
        try await Self.finish(followB, within: 10)

        let store = PostgresEventStore(database: db.database)
        let storedA = try await store.events(after: 0, tenantID: a.id, limit: 1000, logger: db.logger).filter { $0.type == "model_version.updated" }
        let storedB = try await store.events(after: 0, tenantID: b.id, limit: 1000, logger: db.logger).filter { $0.type == "model_version.updated" }
        let gotA = Self.serverSentEvents(try String(contentsOfFile: "\(scratch)/a.sse", encoding: .utf8))
        let transcriptB = try String(contentsOfFile: "\(scratch)/b.sse", encoding: .utf8)
        let gotB = Self.serverSentEvents(transcriptB)
        #expect(gotA.map(\.id) == storedA.map(\.id), "tenant A's stream: every event once, in commit order")
        #expect(gotA.allSatisfy { $0.type == "model_version.updated" && $0.data.contains("\"model\":\"m\"") })
        #expect(gotB.map(\.id) == storedB.map(\.id), "tenant B's stream holds exactly B's events")
        #expect(transcriptB.contains(": heartbeat"))

        // Resume after the 20th event: exactly the rest.
        let resumeAt = gotA[19].id
        let resumed = try await Subprocess.run(
            "/usr/bin/curl",
            ["-sS", "-N", "--max-time", "10", "-H", "Last-Event-ID: \(resumeAt)", "-u", "carol:carol-pw", stream(a, "limit=\(changes - 20)")])
        #expect(Self.serverSentEvents(resumed.output).map(\.id) == Array(gotA.dropFirst(20).map(\.id)))

        // Filters: by type family, and by a model with no events.
        let created = try await Subprocess.run(
            "/usr/bin/curl", ["-sS", "-N", "--max-time", "10", "-u", "carol:carol-pw", stream(a, "after=0&type=registered_model.*&limit=1")])
        #expect(Self.serverSentEvents(created.output).map(\.type) == ["registered_model.created"])
        let none = try await Subprocess.run(
            "/usr/bin/curl", ["-sS", "-N", "--max-time", "2", "-u", "carol:carol-pw", stream(a, "after=0&model=other")])
        #expect(Self.serverSentEvents(none.output).isEmpty)
        let badType = try await Subprocess.run(
            "/usr/bin/curl", ["-sS", "-w", " %{http_code}", "-u", "carol:carol-pw", stream(a, "type=DROP%20TABLE")])
        #expect(badType.output.hasSuffix(" 400"), "\(badType.output)")

        // Readiness reports the listener and PostgreSQL's notification queue.
        let ready = try await Subprocess.run("/usr/bin/curl", ["-sS", "\(server.baseURL)/readyz"]).output
        #expect(ready.contains("\"listener\":\"listening\""), "\(ready)")
        #expect(ready.contains("\"notification_queue_usage\":"), "\(ready)")

        // The command-line tail reads the same outbox.
        let tail = try await Subprocess.run(
            try TestEnvironment.cairnBinary(), ["events", "tail", "--tenant", a.slug.value, "--after", "0", "--limit", "2"],
            environment: ["CAIRN_LOG_LEVEL": "error"])
        #expect(tail.status == 0, "\(tail.output)")
        let lines = tail.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("\"type\":\"registered_model.created\"") == true, "\(tail.output)")
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// The binary carries its migrations: `cairn migrate` started from any folder finds them.
    @Test func migrateFindsItsMigrationsFromAnyWorkingDirectory() async throws {
        let result = try await Subprocess.run(
            "/bin/sh", ["-c", "cd / && exec \"$0\" migrate", try TestEnvironment.cairnBinary()], environment: ["CAIRN_MIGRATIONS_DIR": ""])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(/migrations: 0 applied, [1-9][0-9]* already applied/), "\(result.output)")
    }

    /// The annotated example settings file loads (sections with every key commented out included).
    @Test func theExampleSettingsFileLoads() async throws {
        let example = TestEnvironment.packageRoot.appendingPathComponent("config/cairn.example.yaml").path
        let migrations = TestEnvironment.migrationsDirectory.path
        let result = try await Subprocess.run(
            try TestEnvironment.cairnBinary(), ["migrate", "--config", example], environment: ["CAIRN_MIGRATIONS_DIR": migrations])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("already applied"), "\(result.output)")
    }
}
