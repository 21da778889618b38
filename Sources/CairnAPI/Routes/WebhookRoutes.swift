import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// Tenant admins manage webhooks, read their delivery log, redeliver and ping. Secrets are shown once.
    func addWebhookRoutes() {
        let webhooks = app.webhooks

        add(.get, "tenants/{tenant}/webhooks", access: .tenant(.admin)) { _, _, scope in
            try .json(WebhookListDTO(webhooks: try await webhooks.webhooks(scope).map(WebhookDTO.init)))
        }

        add(.post, "tenants/{tenant}/webhooks", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decode(CreateWebhookBody.self, from: request, context: context)
            let spec = try WebhookSpec(
                url: body.url, description: body.description, eventTypes: body.eventTypes, model: body.model, active: body.active)
            let (webhook, secret) = try await webhooks.create(spec, scope)
            return try .json(WebhookWithSecretDTO(webhook: WebhookDTO(webhook), secret: secret.text), status: .created)
        }

        add(.get, "tenants/{tenant}/webhooks/{webhook}", access: .tenant(.admin)) { _, context, scope in
            try .json(WebhookDTO(try await webhooks.webhook(try context.webhookID(), scope)))
        }

        add(.patch, "tenants/{tenant}/webhooks/{webhook}", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decode(PatchWebhookBody.self, from: request, context: context)
            let changes = WebhookChanges(
                url: body.url, description: body.description, eventTypes: body.eventTypes, model: body.model, active: body.active,
                rotateSecret: body.rotateSecret ?? false)
            let (webhook, secret) = try await webhooks.update(try context.webhookID(), changes, scope)
            return try .json(WebhookWithSecretDTO(webhook: WebhookDTO(webhook), secret: secret?.text))
        }

        add(.delete, "tenants/{tenant}/webhooks/{webhook}", access: .tenant(.admin)) { _, context, scope in
            try await webhooks.delete(try context.webhookID(), scope)
            return .noContent
        }

        add(.get, "tenants/{tenant}/webhooks/{webhook}/deliveries", access: .tenant(.admin)) { request, context, scope in
            let id = try context.webhookID()
            let limit = try Limits.maxResults(try request.intQuery("max_results"))
            let state = try request.query("state").map { raw throws(CairnError) in
                guard let state = WebhookDelivery.State(rawValue: raw) else {
                    throw .invalid("'state' must be one of \(WebhookDelivery.State.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return state
            }
            let fingerprint = PageToken.fingerprint(scope.tenant.id.uuidString, "deliveries", id.uuidString, state?.rawValue ?? "")
            var before: Int64?
            if let token = request.query("page_token"), !token.isEmpty {
                guard let seq = Int64(try PageToken.decode(token, fingerprint: fingerprint, positionCount: 1).position[0]) else {
                    throw CairnError.invalid("Invalid page_token.")
                }
                before = seq
            }
            let page = try await webhooks.deliveries(of: id, state: state, before: before, limit: limit, scope)
            return try .json(
                DeliveryListDTO(
                    deliveries: page.deliveries.map(DeliveryDTO.init),
                    nextPageToken: Nullable(page.next.map { PageToken(position: [String($0)]).encode(fingerprint: fingerprint) })))
        }

        add(.post, "tenants/{tenant}/webhooks/{webhook}/deliveries/{delivery}/redeliver", access: .tenant(.admin)) { _, context, scope in
            guard let deliveryID = UUID(uuidString: try context.pathParameter("delivery")) else { throw CairnError.notFound("Delivery not found.") }
            let delivery = try await webhooks.redeliver(deliveryID, of: try context.webhookID(), scope)
            return try .json(DeliveryDTO(delivery), status: .accepted)
        }

        add(.post, "tenants/{tenant}/webhooks/{webhook}/ping", access: .tenant(.admin)) { _, context, scope in
            let delivery = try await webhooks.ping(try context.webhookID(), scope)
            return try .json(DeliveryDTO(delivery), status: .accepted)
        }
    }
}

extension CairnRequestContext {
    fileprivate func webhookID() throws -> UUID {
        guard let id = UUID(uuidString: try pathParameter("webhook")) else { throw CairnError.notFound("Webhook not found.") }
        return id
    }
}
