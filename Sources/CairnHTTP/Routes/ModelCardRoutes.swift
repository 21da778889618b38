import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Yams

extension APIRoutes {
    /// Model cards as JSON, or YAML when asked (`?format=yaml`, `Accept: application/yaml`; a YAML body with
    /// `Content-Type: application/yaml`).
    func addModelCardRoutes(registry: any RegistryStore) {
        let card = "tenants/{tenant}/models/{model}/versions/{version}/model-card"

        add(.get, card, access: .tenant(.reader)) { request, context, scope in
            let card = try await registry.modelCard(
                try context.versionParameter(), of: try context.pathParameter("model"), in: scope.tenant, logger: context.logger)
            return try Self.cardResponse(card, request: request)
        }

        add(.put, card, access: .tenant(.contributor)) { request, context, scope in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let object = try Self.cardObject(Data(buffer.readableBytesView), contentType: request.headers[.contentType] ?? "")
            let saved = try await registry.setModelCard(
                try ModelCard(validating: object), version: try context.versionParameter(), of: try context.pathParameter("model"),
                in: scope.tenant, by: scope.actor, logger: context.logger)
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
        if contentType.contains("yaml") {
            guard let text = String(data: data, encoding: .utf8), let parsed = try? Yams.load(yaml: text) else {
                throw CairnError.invalid("The body is not valid YAML.")
            }
            guard let map = parsed as? [String: Any] else { throw CairnError.invalid("The model card must be a YAML mapping.") }
            var object: JSONObject = [:]
            for (key, value) in map {
                switch value {
                case let text as String: object[key] = .string(text)
                case let date as Date: object[key] = .string(date.formatted(Date.ISO8601FormatStyle().year().month().day()))
                case is NSNull: object[key] = .null
                default: object[key] = .string("\(value)")
                }
            }
            return object
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw CairnError.invalid("The model card must be a JSON object (or YAML with Content-Type: application/yaml).")
        }
        return object
    }
}
