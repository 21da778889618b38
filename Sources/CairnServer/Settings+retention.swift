public import CairnCore
public import CairnJobs
public import Foundation

extension Settings {
    /// How each batch of a retention run is sized and leased.
    public func retentionRunner() throws -> RetentionRunner.Settings {
        let batch = try int("retention.batch_size")
        let lease = try int("retention.lease_seconds")
        guard (1...10_000).contains(batch), (10...86_400).contains(lease) else {
            throw SettingsError("retention.batch_size must be 1–10000 and retention.lease_seconds 10–86400")
        }
        return .init(batchSize: batch, lease: .seconds(lease))
    }

    /// The schedule's interval, or nil when this replica runs no retention (`retention.interval_seconds: 0`).
    public func retentionInterval() throws -> Duration? {
        let seconds = try int("retention.interval_seconds")
        guard seconds > 0 else { return nil }
        guard seconds <= 30 * 86_400 else { throw SettingsError("retention.interval_seconds must be at most 2592000 (30 days)") }
        return .seconds(seconds)
    }

    /// A comma- or space-separated list of tenant slugs (a replica dedicated to those tenants); nil when unset.
    public func tenantSlugs(_ key: String) throws -> [TenantSlug]? {
        try string(key).map { list in
            try list.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { slug in
                guard let valid = try? TenantSlug(String(slug)) else { throw SettingsError("\(key): '\(slug)' is not a tenant slug") }
                return valid
            }
        }
    }

    /// Who holds runs this process claims, as runs record it.
    public static func holderName(_ role: String) -> String {
        "\(role)@\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
