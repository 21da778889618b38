import ArgumentParser
import CairnCore
import CairnPostgres
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PostgresNIO
import Synchronization

/// Commit-to-SSE latency and sustained events/s through one or more `cairn serve` replicas, against raw
/// LISTEN/NOTIFY on the same database as the baseline. Run by `ops/bench events`, which starts the servers.
@main
struct EventsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cairn-bench", abstract: "Benchmarks Cairn's event fan-out (ops/bench events).")

    @Option(help: "Server base URLs (replicas), comma-separated.") var urls: String
    @Option(help: "Tenant slug with model 'm' version 1.") var tenant: String
    @Option(help: "Subscriber counts to measure, comma-separated.") var subscribers: String = "100,1000"
    @Option(help: "Events per latency phase.") var events: Int = 200
    @Option(help: "Events per second in the latency phase.") var rate: Int = 10
    @Option(help: "Events in the throughput phase.") var burst: Int = 1000
    @Option(help: "Concurrent writers in the throughput phase.") var writers: Int = 8
    @Option(help: "Reader credentials user:password.") var credentials: String = "carol:carol-pw"

    func run() async throws {
        let logger = {
            var logger = Logger(label: "cairn.bench")
            logger.logLevel = .warning
            return logger
        }()
        let url = try DatabaseURL(try Self.environment("CAIRN_DATABASE_URL"))
        let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        defer { runner.cancel() }
        let database = Database(client: client)
        guard let tenant = try await PostgresTenantStore(database: database).tenant(slug: try TenantSlug(self.tenant), logger: logger) else {
            throw ValidationError("no tenant \(self.tenant)")
        }
        let registry = PostgresRegistryStore(database: database)
        let servers = urls.split(separator: ",").map(String.init)

        let baseline = try await rawNotify(url: url, client: client, logger: logger)
        print(
            String(
                format: "baseline: raw LISTEN/NOTIFY (statement issued to notification received), %d at %d/s: p50 %.2f ms, p99 %.2f ms", events, rate,
                baseline.p50, baseline.p99))

        var sequence = 0
        for count in subscribers.split(separator: ",").compactMap({ Int($0) }) {
            let group = MultiThreadedEventLoopGroup.singleton
            let recorder = Recorder()
            var channels: [any Channel] = []
            for index in 0..<count {
                channels.append(
                    try await SSEClient.open(
                        servers[index % servers.count], tenant: self.tenant, credentials: credentials, recorder: recorder, group: group))
            }
            try await recorder.waitForOpen(count)
            let change: @Sendable (Int) async throws -> Void = { n in
                _ = try await registry.updateVersion(
                    1, of: "m", try ModelVersionChanges(description: "b\(n)", status: nil, statusMessage: nil, tags: nil, metrics: nil), in: tenant,
                    by: Actor(username: "bench"), logger: logger)
                recorder.committed(n)
            }
            // Latency: paced writes, one at a time.
            let first = sequence
            let start = ContinuousClock.now
            for offset in 0..<events {
                try await ContinuousClock().sleep(until: start + .milliseconds(offset * 1000 / rate))
                try await change(first + offset)
            }
            sequence += events
            try await recorder.waitForDeliveries(of: first..<sequence, subscribers: count, within: .seconds(120))
            let latency = recorder.latencies(first..<sequence)
            // Throughput: a burst from concurrent writers; the clock stops when every subscriber has every event.
            let burstStart = ContinuousClock.now
            let burstFirst = sequence
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for n in stride(from: burstFirst + writer, to: burstFirst + burst, by: writers) { try await change(n) }
                    }
                }
                try await group.waitForAll()
            }
            let written = ContinuousClock.now - burstStart
            sequence += burst
            try await recorder.waitForDeliveries(of: burstFirst..<sequence, subscribers: count, within: .seconds(300))
            let delivered = recorder.lastArrival(burstFirst..<sequence) - burstStart
            for channel in channels { channel.close(promise: nil) }
            let p50 = Recorder.percentile(latency, 0.50)
            let p99 = Recorder.percentile(latency, 0.99)
            print(
                String(
                    format:
                        "%d subscribers on %d replica(s): commit-to-SSE p50 %.2f ms (%.1fx raw NOTIFY), p99 %.2f ms (%.1fx); burst of %d: written at %.0f/s, delivered to all at %.0f events/s (%.0f SSE messages/s)",
                    count, servers.count, p50, p50 / baseline.p50, p99, p99 / baseline.p99, burst, Double(burst) / written.seconds,
                    Double(burst) / delivered.seconds, Double(burst * count) / delivered.seconds))
        }
    }

    /// Commit-to-notification latency of a bare NOTIFY, on a dedicated listening connection.
    func rawNotify(url: DatabaseURL, client: PostgresClient, logger: Logger) async throws -> (p50: Double, p99: Double) {
        let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 99, logger: logger)
        defer { Task { try? await connection.close() } }
        let recorder = Recorder()
        let notifications = try await connection.listen("cairn_bench_raw")
        let listener = Task {
            for try await notification in notifications {
                if let n = Int(notification.payload) { recorder.arrived(n) }
            }
        }
        defer { listener.cancel() }
        let start = ContinuousClock.now
        for n in 0..<events {
            try await ContinuousClock().sleep(until: start + .milliseconds(n * 1000 / rate))
            recorder.committed(n)  // issued: the notification cannot arrive before its statement commits
            try await client.query("SELECT pg_notify('cairn_bench_raw', \(String(n)))", logger: logger)
        }
        try await recorder.waitForDeliveries(of: 0..<events, subscribers: 1, within: .seconds(30))
        let latency = recorder.latencies(0..<events)
        return (Recorder.percentile(latency, 0.5), Recorder.percentile(latency, 0.99))
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name] else { throw ValidationError("\(name) is not set") }
        return value
    }
}
