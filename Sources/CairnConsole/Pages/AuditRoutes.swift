import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird

/// The tenant's audit log for approvers and admins: filters (object, actor, action, time range), paging newest first,
/// a JSON Lines export of what the filters select, and, on request, the verification of the whole hash chain.
extension ConsoleRoutes {
    func addAuditRoutes() {
        registrar.add(.get, "/ui/t/{tenant}/audit", role: .approver) { request, _, session, scope in
            let filters = AuditFilters(request.uri.queryParameters)
            do {
                var query = try filters.query(maxResults: AuditPage.pageSize)
                if let before = request.uri.queryParameters["before"].flatMap({ Int64(String($0)) }) { query.beforeSeq = before }
                let entries = try await app.audit.entries(query, scope)
                let verdict = request.uri.queryParameters["verify"] == "1" ? try await app.audit.verify(scope) : nil
                return page(
                    "audit", AuditPage(entries, filters: filters, verdict: verdict, slug: scope.tenant.slug.value), session: session, scope: scope,
                    section: .audit)
            } catch let error as CairnError where error.code == .invalidParameterValue {
                return page(
                    "audit", AuditPage(problem: error.message, filters: filters, slug: scope.tenant.slug.value), session: session, scope: scope,
                    section: .audit, status: .badRequest)
            }
        }

        registrar.add(.get, "/ui/t/{tenant}/audit/export", role: .approver) { request, _, _, scope in
            var query = try AuditFilters(request.uri.queryParameters).query(maxResults: AuditPage.exportBatch)
            var lines = ByteBuffer()
            var exported = 0
            // Newest first, in batches, up to the export limit; the file says so in its last line when it stops there.
            while exported < AuditPage.exportLimit {
                let batch = try await app.audit.entries(query, scope)
                for entry in batch {
                    lines.writeBytes(try AuditPage.line(entry))
                    lines.writeInteger(UInt8(0x0A))
                }
                exported += batch.count
                guard batch.count == query.maxResults, let last = batch.last else { break }
                query.beforeSeq = last.seq
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson"
            headers[.contentDisposition] = #"attachment; filename="audit-\#(scope.tenant.slug.value).jsonl""#
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: lines))
        }
    }
}

/// The audit page's filter fields, as typed, and the query they make.
struct AuditFilters {
    let object: String
    let actor: String
    let action: String
    let since: String
    let until: String

    init(_ parameters: some Sequence<(key: Substring, value: Substring)>) {
        var values: [String: String] = [:]
        for (key, value) in parameters where values[String(key)] == nil { values[String(key)] = String(value) }
        object = values["object", default: ""].trimmingCharacters(in: .whitespaces)
        actor = values["actor", default: ""].trimmingCharacters(in: .whitespaces)
        action = values["action", default: ""].trimmingCharacters(in: .whitespaces)
        since = values["since", default: ""].trimmingCharacters(in: .whitespaces)
        until = values["until", default: ""].trimmingCharacters(in: .whitespaces)
    }

    func query(maxResults: Int) throws(CairnError) -> AuditQuery {
        var query = AuditQuery(maxResults: maxResults)
        if !object.isEmpty { query.select(object: object) }
        query.actor = actor.isEmpty ? nil : actor
        query.action = action.isEmpty ? nil : action
        query.since = since.isEmpty ? nil : try InstantInput.parse(since, field: "from")
        query.until = until.isEmpty ? nil : try InstantInput.parse(until, field: "until")
        return query
    }

    /// The filters as a query string (for paging and the export link).
    var queryString: String {
        [("object", object), ("actor", actor), ("action", action), ("since", since), ("until", until)].filter { !$0.1.isEmpty }
            .map { "\($0.0)=\(Display.query($0.1))" }.joined(separator: "&")
    }
}

struct AuditPage {
    struct Row {
        let seq: Int64
        let at: String
        let actor: String
        let action: String
        let object: String
        let requestID: String?
        let change: String?
    }

    static let pageSize = 50
    static let exportBatch = 1000
    static let exportLimit = 100_000

    let object: String
    let actor: String
    let action: String
    let since: String
    let until: String
    private(set) var rows: [Row]
    private(set) var empty: Bool
    let problem: String?
    private(set) var nextHref: String?
    let exportHref: String
    let verifyHref: String
    private(set) var verdict: String?
    private(set) var intact: Bool

    init(_ entries: [AuditEntry], filters: AuditFilters, verdict: AuditChainVerifier.Finding?, slug: String) {
        self.init(filters: filters, slug: slug, problem: nil)
        rows = entries.map { entry in
            Row(
                seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, object: "\(entry.objectType):\(entry.objectID)",
                requestID: entry.requestID, change: Self.summary(before: entry.before, after: entry.after))
        }
        empty = entries.isEmpty
        let base = Display.tenantPath(slug, "audit?") + filters.queryString
        nextHref = entries.count == Self.pageSize ? entries.last.map { base + (filters.queryString.isEmpty ? "" : "&") + "before=\($0.seq)" } : nil
        if let verdict {
            self.verdict = "\(verdict)"
            if case .intact = verdict { intact = true } else { intact = false }
        }
    }

    init(problem: String, filters: AuditFilters, slug: String) {
        self.init(filters: filters, slug: slug, problem: problem)
    }

    private init(filters: AuditFilters, slug: String, problem: String?) {
        object = filters.object
        actor = filters.actor
        action = filters.action
        since = filters.since
        until = filters.until
        rows = []
        empty = false
        self.problem = problem
        nextHref = nil
        let query = filters.queryString
        exportHref = Display.tenantPath(slug, "audit/export") + (query.isEmpty ? "" : "?" + query)
        verifyHref = Display.tenantPath(slug, "audit?") + (query.isEmpty ? "" : query + "&") + "verify=1"
        verdict = nil
        intact = false
    }

    /// The after image (or the before image of a deletion), shortened for the table; the export has it whole.
    static func summary(before: String?, after: String?) -> String? {
        guard let text = after ?? before, !text.isEmpty, text != "null" else { return nil }
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }

    /// One JSON Lines record: every field of the entry, its before and after images as JSON.
    static func line(_ entry: AuditEntry) throws -> [UInt8] {
        func image(_ text: String?) throws -> JSONValue {
            guard let text, !text.isEmpty else { return .null }
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        }
        let record: JSONValue = .object([
            "seq": .number(Double(entry.seq)), "at": .string(entry.at), "actor": .string(entry.actor), "action": .string(entry.action),
            "object_type": .string(entry.objectType), "object_id": .string(entry.objectID), "before": try image(entry.before),
            "after": try image(entry.after), "request_id": entry.requestID.map(JSONValue.string) ?? .null,
            "prev_hash": .string(entry.previousHash), "hash": .string(entry.hash),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(record))
    }
}
