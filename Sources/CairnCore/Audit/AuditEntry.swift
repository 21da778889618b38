import Crypto
public import Foundation

/// A change to record: what was done to which object, and the object before and after.
public struct AuditEvent: Sendable, Equatable {
    public let action: String
    public let objectType: String
    public let objectID: String
    public let before: JSONValue?
    public let after: JSONValue?

    public init(action: String, objectType: String, objectID: String, before: JSONValue? = nil, after: JSONValue? = nil) {
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.before = before
        self.after = after
    }
}

/// One stored audit entry. `before`/`after` are kept as the database's JSON text, exactly what was hashed.
public struct AuditEntry: Sendable, Equatable {
    public let seq: Int64
    /// UTC, microseconds: `2026-11-23T06:30:00.123456Z`, as hashed.
    public let at: String
    public let actor: String
    public let action: String
    public let objectType: String
    public let objectID: String
    public let before: String?
    public let after: String?
    public let requestID: String?
    public let previousHash: String
    public let hash: String

    public init(
        seq: Int64, at: String, actor: String, action: String, objectType: String, objectID: String, before: String?, after: String?,
        requestID: String?, previousHash: String, hash: String
    ) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.before = before
        self.after = after
        self.requestID = requestID
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The hash this entry must carry, computed independently of the database (see sql/0003_audit_log.sql).
    public var expectedHash: String {
        let fields = [previousHash, String(seq), at, actor, action, objectType, objectID, before ?? "", after ?? "", requestID ?? ""]
        return SHA256.hash(data: Data(fields.joined(separator: "\u{1F}").utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Checks a tenant's chain from its first entry: numbering without gaps, each entry linked to the previous one's
/// hash, and each hash matching the entry's content.
public struct AuditChainVerifier: Sendable {
    public enum Finding: Sendable, Equatable, CustomStringConvertible {
        case intact(entries: Int64, head: String)
        case broken(seq: Int64, reason: String)

        public var description: String {
            switch self {
            case .intact(let entries, let head): "intact: \(entries) entries, head \(head)"
            case .broken(let seq, let reason): "BROKEN at entry \(seq): \(reason)"
            }
        }
    }

    public static let genesis = String(repeating: "0", count: 64)
    private var expectedSeq: Int64 = 1
    private var previousHash = AuditChainVerifier.genesis
    public private(set) var finding: Finding?

    public init() {}

    /// Feed entries in `seq` order; stops judging at the first break.
    public mutating func check(_ entry: AuditEntry) {
        guard finding == nil else { return }
        if entry.seq != expectedSeq {
            finding = .broken(
                seq: expectedSeq,
                reason: entry.seq > expectedSeq
                    ? "missing (entries \(expectedSeq)–\(entry.seq - 1) were removed)" : "numbered \(entry.seq) out of order")
        } else if entry.previousHash != previousHash {
            finding = .broken(seq: entry.seq, reason: "does not link to entry \(entry.seq - 1) (that entry was altered or replaced)")
        } else if entry.hash != entry.expectedHash {
            finding = .broken(seq: entry.seq, reason: "content does not match its hash (the entry was altered)")
        }
        expectedSeq = entry.seq + 1
        previousHash = entry.hash
    }

    /// The verdict, given the head the database records (its last seq and hash), which exposes removed tail entries.
    public func verdict(head: (seq: Int64, hash: String)?) -> Finding {
        if let finding { return finding }
        let count = expectedSeq - 1
        if let head, head.seq != count || (count > 0 && head.hash != previousHash) {
            return .broken(seq: count + 1, reason: "the chain ends at \(count) but the recorded head is entry \(head.seq)")
        }
        return .intact(entries: count, head: previousHash)
    }
}
