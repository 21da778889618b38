import CairnCore
import Synchronization

/// When each change committed and when each subscriber received it, on one monotonic clock.
final class Recorder: Sendable {
    private struct State {
        var commits: [Int: ContinuousClock.Instant] = [:]
        var arrivals: [Int: [ContinuousClock.Instant]] = [:]
        var opened = 0
    }

    private let state = Mutex(State())

    func committed(_ n: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.commits[n] = now }
    }

    func arrived(_ n: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.arrivals[n, default: []].append(now) }
    }

    func opened() {
        state.withLock { $0.opened += 1 }
    }

    func waitForOpen(_ count: Int) async throws {
        for _ in 0..<3000 where state.withLock({ $0.opened }) < count { try await Task.sleep(for: .milliseconds(10)) }
        guard state.withLock({ $0.opened }) >= count else { throw BenchError("only \(state.withLock { $0.opened }) of \(count) streams opened") }
    }

    func waitForDeliveries(of range: Range<Int>, subscribers: Int, within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let complete = state.withLock { state in range.allSatisfy { state.arrivals[$0]?.count ?? 0 >= subscribers && state.commits[$0] != nil } }
            if complete { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        let missing = state.withLock { state in range.reduce(0) { $0 + max(0, subscribers - (state.arrivals[$1]?.count ?? 0)) } }
        throw BenchError("\(missing) deliveries missing after \(limit)")
    }

    /// Milliseconds from each commit to each of its arrivals (arrivals before the commit ack count as 0).
    func latencies(_ range: Range<Int>) -> [Double] {
        state.withLock { state in
            range.flatMap { n -> [Double] in
                guard let commit = state.commits[n] else { return [] }
                return (state.arrivals[n] ?? []).map { max(0, ($0 - commit).seconds * 1000) }
            }
        }
    }

    func lastArrival(_ range: Range<Int>) -> ContinuousClock.Instant {
        state.withLock { state in range.compactMap { state.arrivals[$0]?.max() }.max() ?? .now }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
