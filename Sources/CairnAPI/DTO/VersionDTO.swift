import CairnCore
import CairnHTTPKit
import Foundation
import Logging

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
    let statusMessage: Nullable<String>
    let stage: String
    let description: String
    let source: Nullable<String>
    let runID: Nullable<String>
    let runLink: Nullable<String>
    let lineage: LineageDTO
    let hyperparameters: JSONObject
    let metrics: [MetricDTO]
    let environment: JSONObject
    let tags: [String: String]
    let aliases: [String]
    let legalHold: Bool
    let filesDigest: Nullable<String>
    let purgedAt: Nullable<String>
    let purgedBy: Nullable<String>
    let createdAt: String
    let createdBy: String
    let updatedAt: String
    let updatedBy: String

    init(_ v: ModelVersion) {
        model = v.modelName
        version = v.version
        status = v.status.rawValue
        statusMessage = Nullable(v.statusMessage)
        stage = v.stage.rawValue
        description = v.description
        source = Nullable(v.source)
        runID = Nullable(v.runID)
        runLink = Nullable(v.runLink)
        lineage = LineageDTO(v.lineage)
        hyperparameters = v.hyperparameters
        metrics = v.metrics.map(MetricDTO.init)
        environment = v.environment
        tags = v.tags
        aliases = v.aliases
        legalHold = v.legalHold
        filesDigest = Nullable(v.filesDigest?.hex)
        purgedAt = Nullable(v.purgedAt.map(RFC3339.format))
        purgedBy = Nullable(v.purgedBy)
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
        case legalHold = "legal_hold"
        case filesDigest = "files_digest"
        case purgedAt = "purged_at"
        case purgedBy = "purged_by"
        case createdAt = "created_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }
}

/// Output form of lineage: every field present, null when unknown.
struct LineageDTO: Encodable {
    let codeRepository: Nullable<String>
    let codeCommit: Nullable<String>
    let datasetURI: Nullable<String>
    let datasetVersion: Nullable<String>
    let datasetDigest: Nullable<String>

    init(_ l: Lineage) {
        codeRepository = Nullable(l.codeRepository)
        codeCommit = Nullable(l.codeCommit)
        datasetURI = Nullable(l.datasetURI)
        datasetVersion = Nullable(l.datasetVersion)
        datasetDigest = Nullable(l.datasetDigest)
    }

    typealias CodingKeys = Lineage.CodingKeys
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
    let lineage: Lineage?
    let hyperparameters: JSONObject?
    let metrics: [MetricDTO]?
    let environment: JSONObject?
    let tags: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case description, status, source, lineage, hyperparameters, metrics, environment, tags
        case runID = "run_id"
        case runLink = "run_link"
    }

    static let nestedFields = ["lineage": Set(Lineage.CodingKeys.allCases.map(\.stringValue))]
}

struct PatchVersionBody: Decodable, StrictBody {
    let description: String?
    let status: String?
    let statusMessage: String?
    let tags: [String: String]?
    let metrics: [MetricDTO]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case description, status, tags, metrics
        case statusMessage = "status_message"
    }

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

extension VersionDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field(CodingKeys.aliases, aliases)
        json.field(CodingKeys.createdAt, createdAt)
        json.field(CodingKeys.createdBy, createdBy)
        json.field(CodingKeys.description, description)
        json.field(CodingKeys.environment, environment)
        json.field(CodingKeys.filesDigest, filesDigest.value)
        json.field(CodingKeys.hyperparameters, hyperparameters)
        json.field(CodingKeys.legalHold, legalHold)
        json.field(CodingKeys.lineage, lineage)
        json.field(CodingKeys.metrics, metrics)
        json.field(CodingKeys.model, model)
        json.field(CodingKeys.purgedAt, purgedAt.value)
        json.field(CodingKeys.purgedBy, purgedBy.value)
        json.field(CodingKeys.runID, runID.value)
        json.field(CodingKeys.runLink, runLink.value)
        json.field(CodingKeys.source, source.value)
        json.field(CodingKeys.stage, stage)
        json.field(CodingKeys.status, status)
        json.field(CodingKeys.statusMessage, statusMessage.value)
        json.field(CodingKeys.tags, tags)
        json.field(CodingKeys.updatedAt, updatedAt)
        json.field(CodingKeys.updatedBy, updatedBy)
        json.field(CodingKeys.version, version)
        json.endObject()
    }
}

extension LineageDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field(CodingKeys.codeCommit, codeCommit.value)
        json.field(CodingKeys.codeRepository, codeRepository.value)
        json.field(CodingKeys.datasetDigest, datasetDigest.value)
        json.field(CodingKeys.datasetURI, datasetURI.value)
        json.field(CodingKeys.datasetVersion, datasetVersion.value)
        json.endObject()
    }
}

extension MetricDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        if let dataset {
            json.key("dataset")
            json.string(dataset)
        }
        json.key("key")
        json.string(key)
        json.key("value")
        json.double(value)
        json.endObject()
    }
}

extension VersionListDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field(CodingKeys.modelVersions, modelVersions)
        if let nextPageToken {
            json.field(CodingKeys.nextPageToken, nextPageToken)
        }
        json.endObject()
    }
}
