import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension APIRoutes {
    /// The tenant's audit trail, newest first, for approvers and admins; `format=jsonl` exports JSON Lines.
    func addAuditRoutes() {
        let audit = app.audit
        add(.get, "tenants/{tenant}/audit", access: .tenant(.approver)) { request, _, scope in
            var query = AuditQuery(maxResults: try Limits.maxResults(try request.intQuery("max_results")))
            if let object = request.query("object") { query.select(object: object) }
            query.actor = request.query("actor")
            query.action = request.query("action")
            if let since = request.query("since") {
                guard let date = RFC3339.parse(since) else { throw CairnError.invalid("'since' must be an RFC 3339 time.") }
                query.since = date
            }
            let fingerprint = PageToken.fingerprint(
                scope.tenant.id.uuidString, "audit", query.objectType ?? "", query.objectID ?? "", query.actor ?? "", query.action ?? "",
                request.query("since") ?? "")
            if let token = request.query("page_token"), !token.isEmpty {
                guard let seq = Int64(try PageToken.decode(token, fingerprint: fingerprint, positionCount: 1).position[0]) else {
                    throw CairnError.invalid("Invalid page_token.")
                }
                query.beforeSeq = seq
            }
            let entries = try await audit.entries(query, scope)
            let next =
                entries.count == query.maxResults ? entries.last.map { PageToken(position: [String($0.seq)]).encode(fingerprint: fingerprint) } : nil
            guard request.query("format") == "jsonl" else {
                return try .json(AuditListDTO(entries: entries.map(AuditEntryDTO.init), nextPageToken: next))
            }
            let encoder = JSONEncoder.stable()
            var lines = Data()
            for entry in entries {
                lines.append(try encoder.encode(AuditEntryDTO(entry)))
                lines.append(0x0A)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson"
            if let next { headers[HTTPField.Name("Cairn-Next-Page-Token")!] = next }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: lines)))
        }
    }
}
