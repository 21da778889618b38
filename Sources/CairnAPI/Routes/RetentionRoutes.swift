import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    /// Retention: admins set the policy; approvers and admins read it, preview it and read the recorded runs; admins
    /// purge an archived version's files by hand (`Retention.purge`: purge, then collect).
    func addRetentionRoutes() {
        let retention = app.retention

        add(.get, "tenants/{tenant}/retention-policies", access: .tenant(.approver)) { _, _, scope in
            try .json(RetentionPolicyDTO(try await retention.policy(scope)))
        }

        add(.put, "tenants/{tenant}/retention-policies", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decode(RetentionPolicyBody.self, from: request, context: context)
            return try .json(RetentionPolicyDTO(try await retention.setPolicy(body.policy, scope)))
        }

        add(.post, "tenants/{tenant}/retention/preview", access: .tenant(.approver)) { request, context, scope in
            let draft = try await JSONBody.decodeIfPresent(RetentionPreviewBody.self, from: request, context: context)?.policy
            return try .json(RetentionPreviewDTO(try await retention.preview(draft, scope)))
        }

        add(.get, "tenants/{tenant}/retention/runs", access: .tenant(.approver)) { request, _, scope in
            let limit = try Limits.maxResults(try request.intQuery("max_results"))
            let fingerprint = PageToken.fingerprint(scope.tenant.id.uuidString, "retention-runs")
            var before: RetentionRunCursor?
            if let token = request.query("page_token"), !token.isEmpty {
                let position = try PageToken.decode(token, fingerprint: fingerprint, positionCount: 2).position
                guard let micros = Int64(position[0]), let id = UUID(uuidString: position[1]) else { throw CairnError.invalid("Invalid page_token.") }
                before = RetentionRunCursor(startedAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
            }
            let page = try await retention.runs(before: before, limit: limit, scope)
            let next = page.next.map { cursor in
                PageToken(position: [String(Int64((cursor.startedAt.timeIntervalSince1970 * 1_000_000).rounded())), cursor.id.uuidString])
                    .encode(fingerprint: fingerprint)
            }
            return try .json(RetentionRunListDTO(runs: page.runs.map(RetentionRunDTO.init), nextPageToken: Nullable(next)))
        }

        add(.get, "tenants/{tenant}/retention/runs/{run}", access: .tenant(.approver)) { request, context, scope in
            guard let id = UUID(uuidString: try context.pathParameter("run")) else { throw CairnError.notFound("Retention run not found.") }
            let limit =
                try request.intQuery("max_results").map { raw throws(CairnError) in
                    guard (1...10_000).contains(raw) else { throw .invalid("'max_results' must be between 1 and 10000.") }
                    return raw
                } ?? 1000
            let fingerprint = PageToken.fingerprint(scope.tenant.id.uuidString, "retention-run", id.uuidString)
            var after = 0
            if let token = request.query("page_token"), !token.isEmpty {
                guard let seq = Int(try PageToken.decode(token, fingerprint: fingerprint, positionCount: 1).position[0]) else {
                    throw CairnError.invalid("Invalid page_token.")
                }
                after = seq
            }
            let found = try await retention.run(id, actionsAfter: after, limit: limit, scope)
            return try .json(
                RetentionRunDetailDTO(
                    run: RetentionRunDTO(found.run), actions: found.actions.map(RecordedActionDTO.init),
                    nextPageToken: Nullable(found.next.map { PageToken(position: [String($0)]).encode(fingerprint: fingerprint) })))
        }

        add(.post, "tenants/{tenant}/models/{model}/versions/{version}/purge", access: .tenant(.admin)) { request, context, scope in
            let body = try await JSONBody.decodeIfPresent(PurgeBody.self, from: request, context: context)
            let version = try await retention.purge(
                try context.versionParameter(), of: try context.pathParameter("model"), comment: body?.comment, scope)
            return try .json(VersionDTO(version))
        }
    }
}
