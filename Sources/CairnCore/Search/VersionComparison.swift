import Foundation

/// Versions of one model side by side: every hyperparameter and metric key any of them has, and whether they differ.
public struct VersionComparison: Sendable {
    public struct Row<Value: Sendable & Equatable>: Sendable {
        public let key: String
        /// One entry per compared version, in the order requested; nil where that version lacks the key.
        public let values: [Value?]
        public var differs: Bool { Set(values.map { "\(String(describing: $0))" }).count > 1 }
    }

    public let versions: [ModelVersion]
    public let hyperparameters: [Row<JSONValue>]
    /// Keyed "dataset/key", or just "key" for metrics without a dataset.
    public let metrics: [Row<Double>]
    public let lineage: [Row<String>]

    public init(versions: [ModelVersion]) {
        self.versions = versions
        let paramKeys = Set(versions.flatMap(\.hyperparameters.keys)).sorted()
        hyperparameters = paramKeys.map { key in Row(key: key, values: versions.map { $0.hyperparameters[key] }) }
        let metricKeys = Set(versions.flatMap { $0.metrics.map(Self.metricKey) }).sorted()
        metrics = metricKeys.map { key in
            Row(key: key, values: versions.map { v in v.metrics.first { Self.metricKey($0) == key }?.value })
        }
        let lineageFields: [(String, (Lineage) -> String?)] = [
            ("code_repository", \.codeRepository), ("code_commit", \.codeCommit), ("dataset_uri", \.datasetURI),
            ("dataset_version", \.datasetVersion), ("dataset_digest", \.datasetDigest),
        ]
        lineage = lineageFields.map { name, get in Row(key: name, values: versions.map { get($0.lineage) }) }
    }

    static func metricKey(_ metric: Metric) -> String {
        metric.dataset.isEmpty ? metric.key : "\(metric.dataset)/\(metric.key)"
    }

    public static func parseVersionList(_ text: String?) throws(CairnError) -> [Int] {
        guard let text, !text.isEmpty else { throw .invalid("'versions' is required, e.g. versions=3,4,7.") }
        var seen = Set<Int>()
        var result: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(part.trimmingCharacters(in: .whitespaces)), v >= 1 else {
                throw .invalid("'versions' must be a comma-separated list of version numbers, e.g. versions=3,4,7.")
            }
            if seen.insert(v).inserted { result.append(v) }
        }
        guard (2...Limits.compareVersions).contains(result.count) else {
            throw .invalid("Compare 2 to \(Limits.compareVersions) distinct versions.")
        }
        return result
    }
}
