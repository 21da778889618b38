import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird

extension MLflowRoutes {
    /// MLflow's webhooks API for tenant admins, onto Cairn's durable webhooks of the MLflow flavor: MLflow's event
    /// names and message, its signature headers, the outbound policy of every webhook. The secret is never returned.
    func addWebhookRoutes() {
        let webhooks = app.webhooks
        registrar.add(.post, "2.0/mlflow/webhooks", access: .tenant(.admin)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let spec = try MLflowWebhookSpec(
                name: try fields.required("name"), url: try fields.required("url"), description: try fields.string("description"),
                events: try fields.webhookEvents() ?? [], active: try Self.webhookStatus(try fields.string("status")) ?? true)
            let webhook = try await webhooks.createMLflow(spec, secret: try fields.string("secret"), scope)
            return Self.respond(with: webhook)
        }
        registrar.add(.get, "2.0/mlflow/webhooks", access: .tenant(.admin)) { request, context, scope in
            let fields = try await MLflowFields.read(request, context: context)
            let limit = try Self.maxResults(try fields.int("max_results"), default: 100, max: 1000)
            let all = try await webhooks.mlflowWebhooks(scope)
            var start = 0
            if let token = try fields.string("page_token"), !token.isEmpty {
                guard let after = UUID(uuidString: token), let index = all.firstIndex(where: { $0.id == after }) else {
                    throw CairnError.invalid("Invalid page token.")
                }
                start = index + 1
            }
            let page = all[start...].prefix(limit)
            let next = start + page.count < all.count ? page.last?.id.uuidString.lowercased() : nil
            return MLflowJSON.response { json in
                if let next {
                    json.key("next_page_token")
                    json.string(next)
                }
                guard !page.isEmpty else { return }
                json.key("webhooks")
                json.beginArray()
                for webhook in page { Self.write(webhook, to: &json) }
                json.endArray()
            }
        }
        registrar.add(.get, "2.0/mlflow/webhooks/{webhook_id}", access: .tenant(.admin)) { _, context, scope in
            Self.respond(with: try await webhooks.mlflowWebhook(try Self.webhookID(context), scope))
        }
        registrar.add(.patch, "2.0/mlflow/webhooks/{webhook_id}", access: .tenant(.admin)) { request, context, scope in
            let id = try Self.webhookID(context)
            let fields = try await MLflowFields.read(request, context: context)
            let changes = MLflowWebhookChanges(
                name: try fields.string("name"), url: try fields.string("url"), description: try fields.string("description"),
                events: try fields.webhookEvents(), active: try Self.webhookStatus(try fields.string("status")), secret: try fields.string("secret"))
            let webhook = try await webhooks.updateMLflow(id, changes, scope)
            return Self.respond(with: webhook)
        }
        registrar.add(.delete, "2.0/mlflow/webhooks/{webhook_id}", access: .tenant(.admin)) { _, context, scope in
            try await webhooks.deleteMLflow(try Self.webhookID(context), scope)
            return MLflowJSON.empty
        }
        registrar.add(.post, "2.0/mlflow/webhooks/{webhook_id}/test", access: .tenant(.admin)) { request, context, scope in
            let id = try Self.webhookID(context)
            let fields = try await MLflowFields.read(request, context: context)
            let result = try await webhooks.testMLflow(
                id, event: try fields.webhookEvent("event"), example: MLflowWebhookExamples.data(for:), timeout: .seconds(30), scope)
            return MLflowJSON.response { json in
                json.key("result")
                json.beginObject()
                if let error = result.error {
                    json.key("error_message")
                    json.string(error)
                }
                if let body = result.body {
                    json.key("response_body")
                    json.string(body)
                }
                if let status = result.status {
                    json.key("response_status")
                    json.int(status)
                }
                json.key("success")
                json.bool(result.success)
                json.endObject()
            }
        }
    }

    static func webhookID(_ context: CairnRequestContext) throws -> UUID {
        let raw = try context.pathParameter("webhook_id")
        guard let id = UUID(uuidString: raw) else { throw CairnError.notFound("Webhook with ID \(raw.prefix(100)) not found.") }
        return id
    }

    static func webhookStatus(_ raw: String?) throws(CairnError) -> Bool? {
        switch raw?.uppercased() {
        case nil: return nil
        case "ACTIVE": return true
        case "DISABLED": return false
        case let other?: throw .invalid("Invalid webhook status '\(other.prefix(40))': expected ACTIVE or DISABLED.")
        }
    }

    static func respond(with webhook: Webhook) -> Response {
        MLflowJSON.response { json in
            json.key("webhook")
            write(webhook, to: &json)
        }
    }

    static func write(_ webhook: Webhook, to json: inout JSONWriter) {
        json.beginObject()
        json.key("creation_timestamp")
        json.int(MLflowJSON.milliseconds(webhook.createdAt))
        if !webhook.description.isEmpty {
            json.key("description")
            json.string(webhook.description)
        }
        json.key("events")
        json.beginArray()
        for event in webhook.mlflowEvents ?? [] {
            let parts = event.split(separator: ".", maxSplits: 1).map { $0.uppercased() }
            json.beginObject()
            json.key("action")
            json.string(parts.count > 1 ? parts[1] : "")
            json.key("entity")
            json.string(parts[0])
            json.endObject()
        }
        json.endArray()
        json.key("last_updated_timestamp")
        json.int(MLflowJSON.milliseconds(webhook.updatedAt))
        json.key("name")
        json.string(webhook.name ?? "")
        json.key("status")
        json.string(webhook.active ? "ACTIVE" : "DISABLED")
        json.key("url")
        json.string(webhook.url)
        json.key("webhook_id")
        json.string(webhook.id.uuidString.lowercased())
        json.endObject()
    }
}

/// The example data MLflow's test endpoint sends per event (`mlflow/webhooks/types.py`, each payload's `example()`).
enum MLflowWebhookExamples {
    static func data(for event: String) -> JSONValue {
        let prompt = event.hasPrefix("prompt")
        let name: JSONValue = .string(prompt ? "example_prompt" : "example_model")
        let tags: JSONValue = .object(["example_key": .string("example_value")])
        switch event {
        case "registered_model.created": return .object(["name": name, "tags": tags, "description": .string("An example registered model")])
        case "prompt.created": return .object(["name": name, "tags": tags, "description": .string("An example prompt")])
        case "model_version.created":
            return .object([
                "name": name, "version": .string("1"), "source": .string("models:/123"), "run_id": .string("abcd1234abcd5678"), "tags": tags,
                "description": .string("An example model version"),
            ])
        case "prompt_version.created":
            return .object([
                "name": name, "version": .string("1"), "template": .string("Hello {{name}}!"), "tags": tags,
                "description": .string("An example prompt version"),
            ])
        case "model_version_tag.set", "prompt_version_tag.set":
            return .object(["name": name, "version": .string("1"), "key": .string("example_key"), "value": .string("example_value")])
        case "model_version_tag.deleted", "prompt_version_tag.deleted":
            return .object(["name": name, "version": .string("1"), "key": .string("example_key")])
        case "prompt_tag.set": return .object(["name": name, "key": .string("example_key"), "value": .string("example_value")])
        case "prompt_tag.deleted": return .object(["name": name, "key": .string("example_key")])
        case "model_version_alias.created", "prompt_alias.created":
            return .object(["name": name, "alias": .string("example_alias"), "version": .string("1")])
        default: return .object(["name": name, "alias": .string("example_alias")])
        }
    }
}
