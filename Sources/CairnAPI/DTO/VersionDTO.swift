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
        json.key(CodingKeys.aliases.stringValue)
        json.strings(aliases)
        json.key(CodingKeys.createdAt.stringValue)
        json.string(createdAt)
        json.key(CodingKeys.createdBy.stringValue)
        json.string(createdBy)
        json.key(CodingKeys.description.stringValue)
        json.string(description)
        json.key(CodingKeys.environment.stringValue)
        json.object(environment)
        json.key(CodingKeys.filesDigest.stringValue)
        json.string(filesDigest.value)
        json.key(CodingKeys.hyperparameters.stringValue)
        json.object(hyperparameters)
        json.key(CodingKeys.legalHold.stringValue)
        json.bool(legalHold)
        json.key(CodingKeys.lineage.stringValue)
        lineage.write(to: &json)
        json.key(CodingKeys.metrics.stringValue)
        json.beginArray()
        for metric in metrics { metric.write(to: &json) }
        json.endArray()
        json.key(CodingKeys.model.stringValue)
        json.string(model)
        json.key(CodingKeys.purgedAt.stringValue)
        json.string(purgedAt.value)
        json.key(CodingKeys.purgedBy.stringValue)
        json.string(purgedBy.value)
        json.key(CodingKeys.runID.stringValue)
        json.string(runID.value)
        json.key(CodingKeys.runLink.stringValue)
        json.string(runLink.value)
        json.key(CodingKeys.source.stringValue)
        json.string(source.value)
        json.key(CodingKeys.stage.stringValue)
        json.string(stage)
        json.key(CodingKeys.status.stringValue)
        json.string(status)
        json.key(CodingKeys.statusMessage.stringValue)
        json.string(statusMessage.value)
        json.key(CodingKeys.tags.stringValue)
        json.object(tags)
        json.key(CodingKeys.updatedAt.stringValue)
        json.string(updatedAt)
        json.key(CodingKeys.updatedBy.stringValue)
        json.string(updatedBy)
        json.key(CodingKeys.version.stringValue)
        json.int(version)
        json.endObject()
    }
}

extension LineageDTO: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key(CodingKeys.codeCommit.stringValue)
        json.string(codeCommit.value)
        json.key(CodingKeys.codeRepository.stringValue)
        json.string(codeRepository.value)
        json.key(CodingKeys.datasetDigest.stringValue)
        json.string(datasetDigest.value)
        json.key(CodingKeys.datasetURI.stringValue)
        json.string(datasetURI.value)
        json.key(CodingKeys.datasetVersion.stringValue)
        json.string(datasetVersion.value)
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
        json.key(CodingKeys.modelVersions.stringValue)
        json.beginArray()
        for version in modelVersions { version.write(to: &json) }
        json.endArray()
        if let nextPageToken {
            json.key(CodingKeys.nextPageToken.stringValue)
            json.string(nextPageToken)
        }
        json.endObject()
    }
}
