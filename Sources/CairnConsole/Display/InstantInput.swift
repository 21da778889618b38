import CairnCore
import Foundation

/// A time a person typed or picked: `<input type="datetime-local">` sends `2026-03-03T14:02` (read as UTC, which the
/// form says), or a full RFC 3339 time, or a day (its start).
enum InstantInput {
    static func parse(_ text: String, field: String) throws(CairnError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = RFC3339.parse(trimmed) { return date }
        for suffix in [":00Z", "Z", "T00:00:00Z"] {
            if let date = RFC3339.parse(trimmed + suffix) { return date }
        }
        throw .invalid("'\(field)' must be a time like 2026-03-03T14:02 (UTC) or 2026-03-03.")
    }

    /// The value a `datetime-local` input shows for `date` (UTC, to the minute).
    static func local(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
