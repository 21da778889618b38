import CairnCore
import Foundation

/// How the console writes values people read: times in UTC to the minute, dates as ISO days, links with every
/// user-chosen part percent-encoded (the templates escape the HTML; this keeps a name from changing the path).
enum Display {
    static func time(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    static func day(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// A metric value: integers as such, others to at most 4 significant decimals.
    static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
    }

    static func tenantPath(_ slug: String, _ rest: String = "") -> String { "/ui/t/\(segment(slug))/\(rest)" }

    static func modelPath(_ slug: String, _ model: String) -> String { tenantPath(slug, "models/\(segment(model))") }

    static func versionPath(_ slug: String, _ model: String, _ version: Int) -> String { modelPath(slug, model) + "/versions/\(version)" }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
