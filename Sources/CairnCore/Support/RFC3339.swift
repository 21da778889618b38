public import Foundation

public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        guard text.count <= 64 else { return nil }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// `2026-12-07T08:12:17.309Z`: UTC, milliseconds truncated, as Foundation's `ISO8601FormatStyle` with fractional
    /// seconds writes it (for every date since 1583; before that this stays proleptic Gregorian, as RFC 3339 wants),
    /// without its calendar: every time in every response goes through here.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSinceReferenceDate
        let whole = interval.rounded(.down)
        let millis = min(999, Int((interval - whole) * 1000))
        let seconds = Int64(whole) + 978_307_200
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(daysSince1970: days)
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var at = 0
            func put(_ value: Int, width: Int) {
                var rest = value
                for index in stride(from: at + width - 1, through: at, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                at += width
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[at] = UInt8(ascii: byte)
                at += 1
            }
            put(min(max(year, 0), 9999), width: 4)
            put("-")
            put(month, width: 2)
            put("-")
            put(day, width: 2)
            put("T")
            put(secondOfDay / 3600, width: 2)
            put(":")
            put(secondOfDay / 60 % 60, width: 2)
            put(":")
            put(secondOfDay % 60, width: 2)
            put(".")
            put(millis, width: 3)
            put("Z")
            return at
        }
    }

    /// Year, month and day of a count of days since 1970-01-01 in the proleptic Gregorian calendar (the civil-from-days
    /// algorithm: eras of 400 years, years starting in March so the leap day comes last).
    static func civil(daysSince1970: Int64) -> (Int, Int, Int) {
        let days = daysSince1970 + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        let month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        return (Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0), month, day)
    }
}
