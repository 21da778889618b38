import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Yams

extension APIRoutes {
    /// Model cards as JSON, or YAML when asked (`?format=yaml`, `Accept: application/yaml`; a YAML body with
    /// `Content-Type: application/yaml`).
    func addModelCardRoutes() {
        let registry = app.registry
        let card = "tenants/{tenant}/models/{model}/versions/{version}/model-card"

        add(.get, card, access: .tenant(.reader)) { request, context, scope in
            let card = try await registry.modelCard(try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try Self.cardResponse(card, request: request)
        }

        add(.put, card, access: .tenant(.contributor)) { request, context, scope in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let object = try Self.cardObject(Data(buffer.readableBytesView), contentType: request.headers[.contentType] ?? "")
            let saved = try await registry.setModelCard(
                try ModelCard(validating: object), version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try Self.cardResponse(saved, request: request)
        }
    }

    private static func wantsYAML(_ request: Request) -> Bool {
        request.query("format") == "yaml" || (request.headers[.accept] ?? "").contains("yaml")
    }

    private static func cardResponse(_ card: ModelCard, request: Request) throws -> Response {
        guard wantsYAML(request) else { return try .json(card.json) }
        let text = card.values.isEmpty ? "{}\n" : try Yams.dump(object: card.values, sortKeys: true)
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func cardObject(_ data: Data, contentType: String) throws -> JSONObject {
        guard !data.isEmpty else { throw CairnError.invalid("A model card (JSON or YAML) is required.") }
        if contentType.contains("yaml") { return try ModelCardYAML.object(Array(data)) }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw CairnError.invalid("The model card must be a JSON object (or YAML with Content-Type: application/yaml).")
        }
        return object
    }
}
