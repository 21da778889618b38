import Foundation

/// A tenant's retention policy: rules applied in order (the first rule that acts on a version wins), and how long a
/// deployment keeps protecting a version after it stopped serving.
public struct RetentionPolicy: Sendable, Equatable, Codable {
    public let rules: [RetentionRule]
    public let deploymentProtectionDays: Int

    enum CodingKeys: String, CodingKey {
        case rules
        case deploymentProtectionDays = "deployment_protection_days"
    }

    public init(rules: [RetentionRule], deploymentProtectionDays: Int = 30) throws(CairnError) {
        guard rules.count <= 50 else { throw .invalid("A retention policy has at most 50 rules.") }
        guard (0...3650).contains(deploymentProtectionDays) else {
            throw .invalid("'deployment_protection_days' must be between 0 and 3650.")
        }
        var names = Set<String>()
        for rule in rules where !names.insert(rule.name).inserted {
            throw .invalid("Two rules are named '\(rule.name)'; rule names must be unique.")
        }
        self.rules = rules
        self.deploymentProtectionDays = deploymentProtectionDays
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            rules: try container.decode([RetentionRule].self, forKey: .rules),
            deploymentProtectionDays: try container.decodeIfPresent(Int.self, forKey: .deploymentProtectionDays) ?? 30)
    }
}

/// One rule: which models it covers and what it does to their versions.
public struct RetentionRule: Sendable, Equatable, Codable {
    public let name: String
    /// A model-name pattern with `*` and `?` (case-insensitive); nil for every model.
    public let models: String?
    /// Only models carrying this tag (and value, when given).
    public let tag: TagMatch?
    /// Keep the newest N versions of each model that are not archived; archive the older ones.
    public let keepLast: Int?
    /// Archive versions that have stayed in `None` longer than this.
    public let archiveAfterDays: Int?
    /// Purge the files of versions archived longer than this; the version stays as a tombstone.
    public let purgeAfterDays: Int?
    /// Delete tombstones (purged versions) older than this.
    public let deleteTombstonesAfterYears: Int?

    public struct TagMatch: Sendable, Equatable, Codable {
        public let key: String
        public let value: String?

        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, models, tag
        case keepLast = "keep_last"
        case archiveAfterDays = "archive_after_days"
        case purgeAfterDays = "purge_after_days"
        case deleteTombstonesAfterYears = "delete_tombstones_after_years"
    }

    public init(
        name: String, models: String? = nil, tag: TagMatch? = nil, keepLast: Int? = nil, archiveAfterDays: Int? = nil,
        purgeAfterDays: Int? = nil, deleteTombstonesAfterYears: Int? = nil
    ) throws(CairnError) {
        let label = "Rule '\(name.prefix(64))'"
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_ ".contains($0) }) else {
            throw .invalid("A rule needs a name of 1 to 64 letters, digits, spaces, '-' or '_'.")
        }
        if let models, models.isEmpty || models.count > 256 { throw .invalid("\(label): 'models' must be a name pattern.") }
        if let tag, tag.key.isEmpty { throw .invalid("\(label): 'tag.key' may not be empty.") }
        guard keepLast != nil || archiveAfterDays != nil || purgeAfterDays != nil || deleteTombstonesAfterYears != nil else {
            throw .invalid("\(label) does nothing: give keep_last, archive_after_days, purge_after_days or delete_tombstones_after_years.")
        }
        if let keepLast, !(1...10_000).contains(keepLast) { throw .invalid("\(label): 'keep_last' must be between 1 and 10000.") }
        for (field, days) in [("archive_after_days", archiveAfterDays), ("purge_after_days", purgeAfterDays)] {
            if let days, !(1...36_500).contains(days) { throw .invalid("\(label): '\(field)' must be between 1 and 36500.") }
        }
        if let years = deleteTombstonesAfterYears, !(1...100).contains(years) {
            throw .invalid("\(label): 'delete_tombstones_after_years' must be between 1 and 100.")
        }
        self.name = name
        self.models = models
        self.tag = tag
        self.keepLast = keepLast
        self.archiveAfterDays = archiveAfterDays
        self.purgeAfterDays = purgeAfterDays
        self.deleteTombstonesAfterYears = deleteTombstonesAfterYears
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static let fields: Set<String> = [
        "name", "models", "tag", "keep_last", "archive_after_days", "purge_after_days", "delete_tombstones_after_years",
    ]

    public init(from decoder: any Decoder) throws {
        // A misspelt action would otherwise be dropped silently, and the rule do less than its author meant.
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw CairnError.invalid("Unknown rule field '\(unknown)'. Known fields: \(Self.fields.sorted().joined(separator: ", ")).")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            name: try c.decode(String.self, forKey: .name), models: try c.decodeIfPresent(String.self, forKey: .models),
            tag: try c.decodeIfPresent(TagMatch.self, forKey: .tag), keepLast: try c.decodeIfPresent(Int.self, forKey: .keepLast),
            archiveAfterDays: try c.decodeIfPresent(Int.self, forKey: .archiveAfterDays),
            purgeAfterDays: try c.decodeIfPresent(Int.self, forKey: .purgeAfterDays),
            deleteTombstonesAfterYears: try c.decodeIfPresent(Int.self, forKey: .deleteTombstonesAfterYears))
    }

    /// Whether the rule covers a model with this name and these tags.
    public func covers(model: String, tags: [String: String]) -> Bool {
        if let models, !Self.glob(models.lowercased(), matches: model.lowercased()) { return false }
        if let tag {
            guard let value = tags[tag.key] else { return false }
            if let wanted = tag.value, wanted != value { return false }
        }
        return true
    }

    /// `*` any run, `?` one character; everything else literal.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var (pi, ti, star, mark) = (0, 0, -1, 0)
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
