import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// MLflow's proto JSON: snake_case, timestamps as int64 milliseconds (JSON numbers), version numbers as strings,
/// enums by name, empty fields left out. Keys are written in UTF-8 order (the writer checks it in debug builds).
enum MLflowJSON {
    static func response(status: HTTPResponse.Status = .ok, _ write: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter()
        json.beginObject()
        write(&json)
        json.endObject()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: json.buffer))
    }

    /// A version search answer streamed page by page (chunked transfer): `{"model_versions":[…],"next_page_token":…}`,
    /// each page encoded and written as it arrives. A page that fails after the head was sent ends the connection,
    /// so the client sees a broken answer, never a short one that looks complete.
    static func streamedVersions(first: VersionPage?, rest: VersionSearchChunks, logger: Logger) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = ResponseBody { writer in
            var json = JSONWriter(capacity: 256 * 1024)
            var chunks = rest
            var page = first
            var listing = false
            var token: String?
            json.beginObject()
            while let current = page {
                if !current.versions.isEmpty && !listing {
                    json.key("model_versions")
                    json.beginArray()
                    listing = true
                }
                for version in current.versions { write(version, to: &json) }
                token = current.nextPageToken
                do {
                    try await writer.write(json.flush())
                } catch {
                    logger.info("version search stream ended: the client went away", metadata: ["error": "\(error)"])
                    throw error
                }
                do {
                    page = try await chunks.next()
                } catch {
                    logger.warning("version search stream failed after its head was sent", metadata: ["error": "\(error)"])
                    throw error
                }
            }
            if listing { json.endArray() }
            if let token {
                json.key("next_page_token")
                json.string(token)
            }
            json.endObject()
            try await writer.write(json.flush())
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `{}`: what MLflow answers for a change with nothing to return.
    static var empty: Response { response { _ in } }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func write(_ version: ModelVersion, to json: inout JSONWriter) {
        json.beginObject()
        if !version.aliases.isEmpty {
            json.key("aliases")
            json.strings(version.aliases)
        }
        json.key("creation_timestamp")
        json.int(milliseconds(version.createdAt))
        json.key("current_stage")
        json.string(version.stage.rawValue)
        if !version.description.isEmpty {
            json.key("description")
            json.string(version.description)
        }
        json.key("last_updated_timestamp")
        json.int(milliseconds(version.updatedAt))
        json.key("name")
        json.string(version.modelName)
        optional("run_id", version.runID, to: &json)
        optional("run_link", version.runLink, to: &json)
        optional("source", version.source, to: &json)
        json.key("status")
        json.string(version.status.rawValue)
        optional("status_message", version.statusMessage, to: &json)
        tags(version.tags, to: &json)
        json.key("user_id")
        json.string(version.createdBy)
        json.key("version")
        json.string(String(version.version))
        json.endObject()
    }

    static func write(_ model: RegisteredModel, latest: [ModelVersion], to json: inout JSONWriter) {
        json.beginObject()
        if !model.aliases.isEmpty {
            json.key("aliases")
            json.beginArray()
            for alias in model.aliases.keys.sorted() {
                json.beginObject()
                json.key("alias")
                json.string(alias)
                json.key("version")
                json.string(String(model.aliases[alias] ?? 0))
                json.endObject()
            }
            json.endArray()
        }
        json.key("creation_timestamp")
        json.int(milliseconds(model.createdAt))
        if !model.description.isEmpty {
            json.key("description")
            json.string(model.description)
        }
        json.key("last_updated_timestamp")
        json.int(milliseconds(model.updatedAt))
        if !latest.isEmpty {
            json.key("latest_versions")
            json.beginArray()
            for version in latest { write(version, to: &json) }
            json.endArray()
        }
        json.key("name")
        json.string(model.name)
        tags(model.tags, to: &json)
        json.key("user_id")
        json.string(model.createdBy)
        json.endObject()
    }

    private static func optional(_ key: String, _ value: String?, to json: inout JSONWriter) {
        guard let value, !value.isEmpty else { return }
        json.key(key)
        json.string(value)
    }

    private static func tags(_ tags: [String: String], to json: inout JSONWriter) {
        guard !tags.isEmpty else { return }
        json.key("tags")
        json.beginArray()
        for key in tags.keys.sorted() {
            json.beginObject()
            json.key("key")
            json.string(key)
            json.key("value")
            json.string(tags[key] ?? "")
            json.endObject()
        }
        json.endArray()
    }
}
