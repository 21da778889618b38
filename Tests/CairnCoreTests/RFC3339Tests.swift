import CairnCore
import Foundation
import Testing

@Suite struct RFC3339Tests {
    private static let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    @Test(arguments: [
        0, -0.5, -86_400.001, 951_782_400, 951_868_799.9996, 4_107_542_400, 1_765_094_400.9999, 253_402_300_799.999,
        -12_212_553_600, 1_234_567_890.123_456,
    ])
    func writesWhatFoundationWrites(_ secondsSince1970: Double) {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        #expect(RFC3339.format(date) == date.formatted(Self.foundation))
    }

    @Test func agreesWithFoundationOverTwoCenturies() {
        // A fixed pseudo-random walk over 1900–2130, so a failure names a date that fails again.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double(state >> 11) / Double(1 << 53) * 7_260_000_000 - 2_208_988_800
            let date = Date(timeIntervalSince1970: seconds)
            if RFC3339.format(date) != date.formatted(Self.foundation) { mismatches.append("\(seconds)") }
        }
        #expect(mismatches.isEmpty, "differs from Foundation at \(mismatches.prefix(5))")
    }

    @Test func leapDaysAndTheTurnOfTheYear() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 4_107_542_400)) == "2100-03-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func parsesWhatItWrites() throws {
        let date = Date(timeIntervalSince1970: 1_765_094_400.25)
        let parsed = try #require(RFC3339.parse(RFC3339.format(date)))
        #expect(parsed == date)
    }
}
