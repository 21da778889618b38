import CairnCore
import CairnHTTPKit
import Foundation

struct AuditEntryDTO: Encodable {
    let seq: Int64
    let at: String
    let actor: String
    let action: String
    let objectType: String
    let objectID: String
    let before: Nullable<JSONValue>
    let after: Nullable<JSONValue>
    let requestID: Nullable<String>
    let previousHash: String
    let hash: String

    init(_ entry: AuditEntry) {
        seq = entry.seq
        at = entry.at
        actor = entry.actor
        action = entry.action
        objectType = entry.objectType
        objectID = entry.objectID
        before = Nullable(entry.before.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })
        after = Nullable(entry.after.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })
        requestID = Nullable(entry.requestID)
        previousHash = entry.previousHash
        hash = entry.hash
    }

    enum CodingKeys: String, CodingKey {
        case seq, at, actor, action, before, after, hash
        case objectType = "object_type"
        case objectID = "object_id"
        case requestID = "request_id"
        case previousHash = "prev_hash"
    }
}

struct AuditListDTO: Encodable {
    let entries: [AuditEntryDTO]
    let nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case entries
        case nextPageToken = "next_page_token"
    }
}
