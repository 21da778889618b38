public import Foundation
import Synchronization

/// A wall clock a test moves forward by hand, so token expiry, throttle delays and cache lifetimes pass at once
/// instead of being slept through. It runs with real time too; `advance` adds to it.
public final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    public func advance(by duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        offset.withLock { $0 += seconds }
    }

    /// For the parts that take a clock as a closure.
    public var reading: @Sendable () -> Date { { [self] in now() } }
}
