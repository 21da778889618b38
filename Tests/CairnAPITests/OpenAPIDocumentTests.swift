import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The served OpenAPI document describes exactly what the server does.
@Suite struct OpenAPIDocumentTests {
    private static func document() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try OpenAPIDocument.data())
    }

    private static func schema(_ name: String, in doc: JSONValue) throws -> [String: JSONValue] {
        try #require(doc["components"]?["schemas"]?[name]?.object, "no schema \(name)")
    }

    @Test func everyRouteIsDocumentedWithItsAccessAndNothingElseIs() async throws {
        let doc = try Self.document()
        #expect(doc["openapi"]?.string?.hasPrefix("3.1") == true)
        let endpoints = try await APIHarness.make().server.endpoints
        var documented: [String: String] = [:]
        for (path, item) in doc["paths"]?.object ?? [:] {
            for (method, operation) in item.object ?? [:] {
                documented["\(method.uppercased()) \(path)"] = operation["x-cairn-access"]?.string ?? "undocumented access"
                let open = operation["security"] == .array([])
                #expect(open == (operation["x-cairn-access"]?.string == "open"), "\(method) \(path): security and access disagree")
                if !open {
                    #expect(operation["responses"]?["401"] != nil, "\(method) \(path) documents no 401")
                }
            }
        }
        // MLflow's surface is MLflow's API, described by MLflow's protos, and the console is pages for people; the
        // document describes Cairn's own API.
        let native = endpoints.filter {
            !$0.path.contains("/mlflow/") && !$0.path.contains("/mlflow-artifacts/") && !$0.path.hasPrefix("/ui") && $0.path != "/"
        }
        #expect(native.count < endpoints.count)
        let served = Dictionary(uniqueKeysWithValues: native.map { ("\($0.method.rawValue) \($0.path)", $0.access.description) })
        #expect(
            Set(documented.keys) == Set(served.keys),
            "undocumented: \(Set(served.keys).subtracting(documented.keys)); documented but absent: \(Set(documented.keys).subtracting(served.keys))")
        for (key, access) in served {
            #expect(documented[key] == access, "\(key): documented \(documented[key] ?? "-"), enforced \(access)")
        }
    }

    @Test func everySchemaReferenceResolves() throws {
        let doc = try Self.document()
        let text = String(decoding: try OpenAPIDocument.data(), as: UTF8.self)
        let refs = text.matches(of: /"\$ref": "#\/components\/(schemas|responses|parameters)\/([A-Za-z]+)"/).map {
            (kind: String($0.1), name: String($0.2))
        }
        for kind in ["schemas", "responses", "parameters"] { #expect(refs.contains { $0.kind == kind }, "no shared \(kind)") }
        for ref in refs { #expect(doc["components"]?[ref.kind]?[ref.name] != nil, "dangling $ref \(ref.kind)/\(ref.name)") }
    }

    /// A request body's accepted fields come from one place (its CodingKeys); the document lists exactly those.
    @Test func documentedRequestBodiesAcceptExactlyTheirFields() throws {
        let doc = try Self.document()
        #expect(APISurface.requestBodyFields.count >= 18)
        for (name, fields) in APISurface.requestBodyFields {
            let documented = Set(try Self.schema(name, in: doc)["properties"]?.object?.keys ?? [:].keys)
            #expect(documented == fields, "\(name): documented \(documented.sorted()), accepted \(fields.sorted())")
        }
    }

    @Test func servedDocumentIsTheShippedOne() async throws {
        try await APIHarness.make().run { api in
            let reply = try await api.call(.get, "/api/v1/openapi.json", as: nil)
            #expect(reply.status == .ok)
            #expect(reply.json == (try Self.document()))
        }
    }

    /// Responses carry every documented field and no undocumented one; the request examples are accepted as written.
    @Test func examplesAreAcceptedAndResponsesMatchTheirSchemas() async throws {
        let doc = try Self.document()
        let harness = try await APIHarness.make(outbound: try OutboundPolicy(parsing: "hooks.example.com"))
        let tenant = try await harness.db.makeTenant("openapi")
        let base = "/api/v1/tenants/\(tenant.slug)"
        try await harness.run { api in
            let modelExample = try #require(try Self.schema("CreateModel", in: doc)["example"])
            let model = try await api.call(.post, "\(base)/models", as: "alice", json: modelExample)
            #expect(model.status == .created, "\(model.text)")
            try Self.expect(model.json, matches: "Model", in: doc)

            let versionExample = try #require(try Self.schema("CreateModelVersion", in: doc)["example"])
            let name = try #require(modelExample["name"]?.string)
            let version = try await api.call(.post, "\(base)/models/\(name)/versions", as: "alice", json: versionExample)
            #expect(version.status == .created, "\(version.text)")
            try Self.expect(version.json, matches: "ModelVersion", in: doc)
            try Self.expect(version.json?["lineage"], matches: "Lineage", in: doc)

            let pending = try await api.call(.post, "\(base)/models/\(name)/versions", as: "alice", body: #"{"status":"PENDING_REGISTRATION"}"#)
            let pendingBase = "\(base)/models/\(name)/versions/\(Int(pending.json?["version"]?.number ?? 0))"
            let file = try await api.upload("\(pendingBase)/files/model.pkl", bytes: [0x80, 0x04], as: "alice")
            #expect(file.status == .created, "\(file.text)")
            try Self.expect(file.json, matches: "VersionFile", in: doc)
            try Self.expect(try await api.call(.get, "\(pendingBase)/files", as: "carol").json, matches: "VersionFileList", in: doc)
            try Self.expect(try await api.call(.post, "\(pendingBase)/finalize", as: "alice").json, matches: "ModelVersion", in: doc)
            try Self.expect(try await api.call(.get, "\(base)/artifacts/broken", as: "carol").json, matches: "BrokenFileList", in: doc)

            let tokenExample = try #require(try Self.schema("CreateToken", in: doc)["example"])
            let token = try await api.call(.post, "\(base)/tokens", as: "alice", json: tokenExample)
            #expect(token.status == .created, "\(token.text)")
            try Self.expect(token.json, matches: "CreatedToken", in: doc)
            try Self.expect(token.json?["token"], matches: "Token", in: doc)

            let webhookExample = try #require(try Self.schema("CreateWebhook", in: doc)["example"])
            let webhook = try await api.call(.post, "\(base)/webhooks", as: "erin", json: webhookExample)
            #expect(webhook.status == .created, "\(webhook.text)")
            try Self.expect(webhook.json, matches: "WebhookWithSecret", in: doc)
            let hook = "\(base)/webhooks/\(try #require(webhook.json?["webhook"]?["id"]?.string))"
            try Self.expect(try await api.call(.get, "\(base)/webhooks", as: "erin").json, matches: "WebhookList", in: doc)
            let patchExample = try #require(try Self.schema("PatchWebhook", in: doc)["example"])
            try Self.expect(try await api.call(.patch, hook, as: "erin", json: patchExample).json, matches: "WebhookWithSecret", in: doc)
            try Self.expect(try await api.call(.post, "\(hook)/ping", as: "erin").json, matches: "WebhookDelivery", in: doc)
            try Self.expect(try await api.call(.get, "\(hook)/deliveries", as: "erin").json, matches: "WebhookDeliveryList", in: doc)

            let policyExample = try #require(try Self.schema("RetentionPolicyInput", in: doc)["example"])
            let policy = try await api.call(.put, "\(base)/retention-policies", as: "erin", json: policyExample)
            #expect(policy.status == .ok, "\(policy.text)")
            try Self.expect(policy.json, matches: "RetentionPolicy", in: doc)
            let preview = try await api.call(.post, "\(base)/retention/preview", as: "dave", json: .object(["policy": policyExample]))
            #expect(preview.status == .ok, "\(preview.text)")
            try Self.expect(preview.json, matches: "RetentionPreview", in: doc)
            try Self.expect(try await api.call(.get, "\(base)/retention/runs", as: "dave").json, matches: "RetentionRunList", in: doc)

            let bindingsExample = try #require(try Self.schema("RoleBindings", in: doc)["example"])
            #expect(try await api.call(.put, "\(base)/role-bindings", as: "pat", json: bindingsExample).status == .ok)

            let tenantExample = try #require(try Self.schema("CreateTenant", in: doc)["example"])
            var slugged = tenantExample.object ?? [:]
            slugged["slug"] = .string("oa-\(UUID().uuidString.prefix(8).lowercased())")
            let created = try await api.call(.post, "/api/v1/tenants", as: "pat", json: .object(slugged))
            #expect(created.status == .created, "\(created.text)")
            try Self.expect(created.json, matches: "Tenant", in: doc)
        }
    }

    @Test func theSchemaCheckFindsNestedMismatches() throws {
        let doc = try Self.document()
        let check = SchemaCheck(document: doc)
        let ref: JSONValue = .object(["$ref": .string("#/components/schemas/ModelVersion")])
        let lineage: JSONValue = .object(["code_commit": .number(5), "surprise": .bool(true)])
        let found = check.problems(.object(["lineage": lineage, "version": .string("one")]), against: ref, at: "$")
        #expect(found.contains { $0.hasPrefix("$.lineage.code_commit: expected") }, "\(found)")
        #expect(found.contains("$.lineage: undocumented 'surprise'"), "\(found)")
        #expect(found.contains { $0.hasPrefix("$.version: expected") }, "\(found)")
        #expect(found.contains { $0.contains("lacks required") }, "\(found)")
    }

    /// The response against its schema, recursively: types, required and undocumented fields, nested objects, items,
    /// enums, maps (`additionalProperties`), `$ref`, `anyOf`/`oneOf` and nullable types.
    private static func expect(_ value: JSONValue?, matches schemaName: String, in doc: JSONValue, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let value = try #require(value, "\(schemaName): no body", sourceLocation: sourceLocation)
        let problems = SchemaCheck(document: doc).problems(value, against: .object(["$ref": .string("#/components/schemas/\(schemaName)")]), at: "$")
        #expect(problems.isEmpty, "\(schemaName): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
    }
}

/// Enough of JSON Schema (2020-12, as OpenAPI 3.1 uses it) to hold a response to its documented shape.
struct SchemaCheck {
    let document: JSONValue

    func problems(_ value: JSONValue, against schema: JSONValue, at path: String) -> [String] {
        guard let schema = schema.object else { return [] }
        if let reference = schema["$ref"]?.string {
            guard let target = resolve(reference) else { return ["\(path): unresolved \(reference)"] }
            return problems(value, against: target, at: path)
        }
        if let choices = schema["anyOf"]?.array ?? schema["oneOf"]?.array {
            let failures = choices.map { problems(value, against: $0, at: path) }
            if !failures.contains(where: \.isEmpty) { return ["\(path): matches none of its alternatives (\(failures.flatMap { $0 }.prefix(3)))"] }
        }
        var found: [String] = []
        for part in schema["allOf"]?.array ?? [] { found += problems(value, against: part, at: path) }
        if let allowed = schema["enum"]?.array, !allowed.contains(value) { found.append("\(path): \(value) is not one of its values") }
        let types = schema["type"]?.string.map { [$0] } ?? schema["type"]?.array?.compactMap(\.string) ?? []
        if !types.isEmpty, !types.contains(where: { Self.value(value, is: $0) }) {
            return found + ["\(path): expected \(types.joined(separator: "|")), got \(value)"]
        }
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.object ?? [:]
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                found.append("\(path): lacks required '\(name)'")
            }
            for (name, member) in members {
                if let property = properties[name] {
                    found += problems(member, against: property, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"], extra != .bool(false), extra.object != nil || extra == .bool(true) {
                    found += problems(member, against: extra, at: "\(path).\(name)")
                } else if schema["properties"] != nil {
                    found.append("\(path): undocumented '\(name)'")
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, against: itemSchema, at: "\(path)[\(index)]") }
            }
        default: break
        }
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}
