public import Foundation

/// Where a version came from: the code and the training data.
public struct Lineage: Sendable, Equatable, Codable {
    public var codeRepository: String?
    public var codeCommit: String?
    public var datasetURI: String?
    public var datasetVersion: String?
    public var datasetDigest: String?

    public init(
        codeRepository: String? = nil, codeCommit: String? = nil, datasetURI: String? = nil, datasetVersion: String? = nil,
        datasetDigest: String? = nil
    ) {
        self.codeRepository = codeRepository
        self.codeCommit = codeCommit
        self.datasetURI = datasetURI
        self.datasetVersion = datasetVersion
        self.datasetDigest = datasetDigest
    }

    /// The field names of lineage on every surface.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case codeRepository = "code_repository"
        case codeCommit = "code_commit"
        case datasetURI = "dataset_uri"
        case datasetVersion = "dataset_version"
        case datasetDigest = "dataset_digest"
    }

    public func validated() throws(CairnError) -> Lineage {
        var copy = self
        copy.codeRepository = try codeRepository.map { v throws(CairnError) in try Limits.text(v, field: "lineage.code_repository", max: 4096) }
        if let commit = codeCommit {
            let lower = commit.lowercased()
            guard ASCIIShape.matches(lower, count: 7...64, first: ASCIIShape.isLowerHex, rest: ASCIIShape.isLowerHex) else {
                throw .invalid("'lineage.code_commit' must be a hexadecimal commit id of 7 to 64 characters.")
            }
            copy.codeCommit = lower
        }
        copy.datasetURI = try datasetURI.map { v throws(CairnError) in try Limits.text(v, field: "lineage.dataset_uri", max: 4096) }
        copy.datasetVersion = try datasetVersion.map { v throws(CairnError) in try Limits.text(v, field: "lineage.dataset_version", max: 256) }
        copy.datasetDigest = try datasetDigest.map { v throws(CairnError) in try Limits.text(v, field: "lineage.dataset_digest", max: 256) }
        return copy
    }
}

/// One evaluation result. `dataset` is "" when the client names no evaluation dataset.
public struct Metric: Sendable, Equatable, Hashable, Codable {
    public let dataset: String
    public let key: String
    public let value: Double

    public init(dataset: String, key: String, value: Double) {
        self.dataset = dataset
        self.key = key
        self.value = value
    }
}

extension [Metric] {
    public func validated() throws(CairnError) -> [Metric] {
        guard count <= 1000 else { throw .invalid("At most 1000 metrics per version.") }
        var seen = Set<String>()
        for metric in self {
            guard (1...250).contains(metric.key.count) else { throw .invalid("A metric key must be 1 to 250 characters.") }
            guard metric.dataset.count <= 256 else { throw .invalid("A metric dataset name must be at most 256 characters.") }
            guard metric.value.isFinite else { throw .invalid("Metric '\(metric.key)' must be a finite number.") }
            guard seen.insert(metric.dataset + "\u{0}" + metric.key).inserted else {
                throw .invalid("Metric '\(metric.key)' is given twice for dataset '\(metric.dataset)'.")
            }
        }
        return self
    }
}

public struct ModelVersion: Sendable, Equatable {
    /// Version numbers are PostgreSQL integers counted from 1: a number outside names no version.
    public static let numbers = 1...Int(Int32.max)

    public let modelID: UUID
    public let modelName: String
    public let version: Int
    public var status: VersionStatus
    public var statusMessage: String?
    public var stage: Stage
    public var description: String
    public let source: String?
    public let runID: String?
    public let runLink: String?
    public let lineage: Lineage
    public let hyperparameters: JSONObject
    public var metrics: [Metric]
    public let environment: JSONObject
    public var tags: [String: String]
    public var aliases: [String]
    public var legalHold: Bool
    /// Set when the version became READY: the digest of its whole file tree (`FilesManifest`); nil without files.
    public var filesDigest: BlobDigest?
    /// When its files were purged: the version is a tombstone (metadata, lineage and history only).
    public var purgedAt: Date?
    public var purgedBy: String?
    public let createdAt: Date
    public let createdBy: String
    public var updatedAt: Date
    public var updatedBy: String

    public init(
        modelID: UUID, modelName: String, version: Int, status: VersionStatus, statusMessage: String?, stage: Stage,
        description: String, source: String?, runID: String?, runLink: String?, lineage: Lineage,
        hyperparameters: JSONObject, metrics: [Metric], environment: JSONObject, tags: [String: String],
        aliases: [String], createdAt: Date, createdBy: String, updatedAt: Date, updatedBy: String, legalHold: Bool = false,
        filesDigest: BlobDigest? = nil, purgedAt: Date? = nil, purgedBy: String? = nil
    ) {
        self.modelID = modelID
        self.modelName = modelName
        self.version = version
        self.status = status
        self.statusMessage = statusMessage
        self.stage = stage
        self.description = description
        self.source = source
        self.runID = runID
        self.runLink = runLink
        self.lineage = lineage
        self.hyperparameters = hyperparameters
        self.metrics = metrics
        self.environment = environment
        self.tags = tags
        self.aliases = aliases
        self.legalHold = legalHold
        self.filesDigest = filesDigest
        self.purgedAt = purgedAt
        self.purgedBy = purgedBy
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

public struct NewModelVersion: Sendable {
    public let status: VersionStatus
    public let description: String
    public let source: String?
    public let runID: String?
    public let runLink: String?
    public let lineage: Lineage
    public let hyperparameters: JSONObject
    public let metrics: [Metric]
    public let environment: JSONObject
    public let tags: [String: String]

    public init(
        status: VersionStatus?, description: String?, source: String?, runID: String?, runLink: String?, lineage: Lineage?,
        hyperparameters: JSONObject?, metrics: [Metric]?, environment: JSONObject?, tags: [String: String]?
    ) throws(CairnError) {
        let status = status ?? .ready
        guard status != .failedRegistration else { throw .invalid("A new version starts as READY or PENDING_REGISTRATION.") }
        self.status = status
        self.description = try Limits.text(description ?? "", field: "description", max: Limits.descriptionLength)
        self.source = try source.map { v throws(CairnError) in try Limits.text(v, field: "source", max: 4096) }
        self.runID = try runID.map { v throws(CairnError) in try Limits.text(v, field: "run_id", max: 256) }
        self.runLink = try runLink.map { v throws(CairnError) in try Limits.text(v, field: "run_link", max: 4096) }
        self.lineage = try (lineage ?? Lineage()).validated()
        self.hyperparameters = try (hyperparameters ?? [:]).validated(field: "hyperparameters")
        self.metrics = try (metrics ?? []).validated()
        self.environment = try (environment ?? [:]).validated(field: "environment")
        self.tags = try Limits.tags(tags ?? [:])
    }
}

/// What a PATCH may change. Provenance (source, run, lineage, hyperparameters, environment) is fixed at registration.
public struct ModelVersionChanges: Sendable {
    public let description: String?
    public let status: VersionStatus?
    public let statusMessage: String?
    /// Replaces the whole tag set when present.
    public let tags: [String: String]?
    /// Added, or replacing the value for the same (dataset, key).
    public let metrics: [Metric]?
    /// Set one by one, keeping the others (MLflow's set-tag), after `tags` is applied.
    public let setTags: [String: String]
    /// Removed if present (MLflow's delete-tag).
    public let deleteTags: [String]

    public init(
        description: String?, status: VersionStatus?, statusMessage: String?, tags: [String: String]?, metrics: [Metric]?,
        setTags: [String: String] = [:], deleteTags: [String] = []
    ) throws(CairnError) {
        self.description = try description.map { v throws(CairnError) in try Limits.text(v, field: "description", max: Limits.descriptionLength) }
        self.status = status
        self.statusMessage = try statusMessage.map { v throws(CairnError) in try Limits.text(v, field: "status_message", max: 5000) }
        self.tags = try tags.map { t throws(CairnError) in try Limits.tags(t) }
        self.metrics = try metrics.map { m throws(CairnError) in try m.validated() }
        self.setTags = try Limits.tags(setTags)
        self.deleteTags = deleteTags
        guard description != nil || status != nil || statusMessage != nil || tags != nil || metrics != nil || !setTags.isEmpty || !deleteTags.isEmpty
        else {
            throw .invalid("Nothing to change: send at least one of description, status, status_message, tags, metrics.")
        }
    }
}

public struct VersionPage: Sendable {
    public let versions: [ModelVersion]
    public let nextPageToken: String?

    public init(versions: [ModelVersion], nextPageToken: String?) {
        self.versions = versions
        self.nextPageToken = nextPageToken
    }
}

extension NewModelVersion {
    /// The same registration starting as PENDING_REGISTRATION: its files are attached, then finalize makes it READY.
    public func pending() throws(CairnError) -> NewModelVersion {
        try NewModelVersion(
            status: .pendingRegistration, description: description, source: source, runID: runID, runLink: runLink, lineage: lineage,
            hyperparameters: hyperparameters, metrics: metrics, environment: environment, tags: tags)
    }
}
