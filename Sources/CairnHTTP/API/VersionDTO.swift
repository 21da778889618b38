import Logging
import CairnCore
import Foundation

struct MetricDTO: Codable {
    let dataset: String?
    let key: String
    let value: Double

    init(_ metric: Metric) {
        dataset = metric.dataset
        key = metric.key
        value = metric.value
    }

    var metric: Metric { Metric(dataset: dataset ?? "", key: key, value: value) }
}

struct VersionDTO: Encodable {
    let model: String
    let version: Int
    let status: String
    let statusMessage: String?
    let stage: String
    let description: String
    let source: String?
    let runID: String?
    let runLink: String?
    let lineage: Lineage
    let hyperparameters: JSONObject
    let metrics: [MetricDTO]
    let environment: JSONObject
    let tags: [String: String]
    let aliases: [String]
    let createdAt: String
    let createdBy: String
    let updatedAt: String
    let updatedBy: String

    init(_ v: ModelVersion) {
        model = v.modelName
        version = v.version
        status = v.status.rawValue
        statusMessage = v.statusMessage
        stage = v.stage.rawValue
        description = v.description
        source = v.source
        runID = v.runID
        runLink = v.runLink
        lineage = v.lineage
        hyperparameters = v.hyperparameters
        metrics = v.metrics.map(MetricDTO.init)
        environment = v.environment
        tags = v.tags
        aliases = v.aliases
        createdAt = RFC3339.format(v.createdAt)
        createdBy = v.createdBy
        updatedAt = RFC3339.format(v.updatedAt)
        updatedBy = v.updatedBy
    }

    enum CodingKeys: String, CodingKey {
        case model, version, status, stage, description, source, lineage, hyperparameters, metrics, environment, tags, aliases
        case statusMessage = "status_message"
        case runID = "run_id"
        case runLink = "run_link"
        case createdAt = "created_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }

    /// Absent values are written as null, so every documented field is always present.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(version, forKey: .version)
        try c.encode(status, forKey: .status)
        try c.encode(statusMessage, forKey: .statusMessage)
        try c.encode(stage, forKey: .stage)
        try c.encode(description, forKey: .description)
        try c.encode(source, forKey: .source)
        try c.encode(runID, forKey: .runID)
        try c.encode(runLink, forKey: .runLink)
        try c.encode(LineageDTO(lineage), forKey: .lineage)
        try c.encode(hyperparameters, forKey: .hyperparameters)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(environment, forKey: .environment)
        try c.encode(tags, forKey: .tags)
        try c.encode(aliases, forKey: .aliases)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(updatedBy, forKey: .updatedBy)
    }
}

struct LineageDTO: Codable {
    let codeRepository: String?
    let codeCommit: String?
    let datasetURI: String?
    let datasetVersion: String?
    let datasetDigest: String?

    init(_ l: Lineage) {
        codeRepository = l.codeRepository
        codeCommit = l.codeCommit
        datasetURI = l.datasetURI
        datasetVersion = l.datasetVersion
        datasetDigest = l.datasetDigest
    }

    var lineage: Lineage {
        Lineage(codeRepository: codeRepository, codeCommit: codeCommit, datasetURI: datasetURI, datasetVersion: datasetVersion, datasetDigest: datasetDigest)
    }

    static let fields: Set<String> = ["code_repository", "code_commit", "dataset_uri", "dataset_version", "dataset_digest"]

    enum CodingKeys: String, CodingKey {
        case codeRepository = "code_repository"
        case codeCommit = "code_commit"
        case datasetURI = "dataset_uri"
        case datasetVersion = "dataset_version"
        case datasetDigest = "dataset_digest"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(codeRepository, forKey: .codeRepository)
        try c.encode(codeCommit, forKey: .codeCommit)
        try c.encode(datasetURI, forKey: .datasetURI)
        try c.encode(datasetVersion, forKey: .datasetVersion)
        try c.encode(datasetDigest, forKey: .datasetDigest)
    }
}

struct VersionListDTO: Encodable {
    let modelVersions: [VersionDTO]
    let nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case modelVersions = "model_versions"
        case nextPageToken = "next_page_token"
    }
}

struct CreateVersionBody: Decodable, StrictBody {
    let description: String?
    let status: String?
    let source: String?
    let runID: String?
    let runLink: String?
    let lineage: LineageDTO?
    let hyperparameters: JSONObject?
    let metrics: [MetricDTO]?
    let environment: JSONObject?
    let tags: [String: String]?

    enum CodingKeys: String, CodingKey {
        case description, status, source, lineage, hyperparameters, metrics, environment, tags
        case runID = "run_id"
        case runLink = "run_link"
    }

    static let fields: Set<String> = [
        "description", "status", "source", "run_id", "run_link", "lineage", "hyperparameters", "metrics", "environment", "tags",
    ]
    static let nestedFields = ["lineage": LineageDTO.fields]
}

struct PatchVersionBody: Decodable, StrictBody {
    let description: String?
    let status: String?
    let statusMessage: String?
    let tags: [String: String]?
    let metrics: [MetricDTO]?

    enum CodingKeys: String, CodingKey {
        case description, status, tags, metrics
        case statusMessage = "status_message"
    }

    static let fields: Set<String> = ["description", "status", "status_message", "tags", "metrics"]
}

struct ComparisonDTO: Encodable {
    struct Row<Value: Encodable>: Encodable {
        let key: String
        let values: [Value?]
        let differs: Bool
    }

    let model: String
    let versions: [VersionDTO]
    let hyperparameters: [Row<JSONValue>]
    let metrics: [Row<Double>]
    let lineage: [Row<String>]

    init(model: String, _ comparison: VersionComparison) {
        self.model = model
        versions = comparison.versions.map(VersionDTO.init)
        hyperparameters = comparison.hyperparameters.map { Row(key: $0.key, values: $0.values, differs: $0.differs) }
        metrics = comparison.metrics.map { Row(key: $0.key, values: $0.values, differs: $0.differs) }
        lineage = comparison.lineage.map { Row(key: $0.key, values: $0.values, differs: $0.differs) }
    }
}
