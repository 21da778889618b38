import CairnCore
import Testing

@Suite struct AuditChainTests {
    /// A well-formed chain of `count` entries.
    static func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var previous = AuditChainVerifier.genesis
        for seq in 1...Int64(count) {
            let draft = AuditEntry(
                seq: seq, at: "2026-11-23T06:00:0\(seq).000000Z", actor: "alice", action: "registered_model.updated",
                objectType: "registered_model", objectID: "m", before: #"{"d": "\#(seq - 1)"}"#, after: #"{"d": "\#(seq)"}"#,
                requestID: "r\(seq)", previousHash: previous, hash: "")
            let entry = draft.with(hash: draft.expectedHash)
            entries.append(entry)
            previous = entry.hash
        }
        return entries
    }

    static func verify(_ entries: [AuditEntry], head: (Int64, String)? = nil) -> AuditChainVerifier.Finding {
        var verifier = AuditChainVerifier()
        entries.forEach { verifier.check($0) }
        let recorded = head ?? entries.last.map { ($0.seq, $0.hash) }
        return verifier.verdict(head: recorded.map { (seq: $0.0, hash: $0.1) })
    }

    @Test func anUntouchedChainIsIntact() {
        let entries = Self.chain(5)
        #expect(Self.verify(entries) == .intact(entries: 5, head: entries[4].hash))
        #expect(Self.verify([]) == .intact(entries: 0, head: AuditChainVerifier.genesis))
    }

    @Test func anEditedEntryIsNamed() {
        var entries = Self.chain(5)
        let e = entries[2]
        entries[2] = AuditEntry(
            seq: e.seq, at: e.at, actor: "mallory", action: e.action, objectType: e.objectType, objectID: e.objectID, before: e.before,
            after: e.after, requestID: e.requestID, previousHash: e.previousHash, hash: e.hash)
        #expect(Self.verify(entries) == .broken(seq: 3, reason: "content does not match its hash (the entry was altered)"))
    }

    @Test func anEditedAndRehashedEntryBreaksTheNextLink() {
        var entries = Self.chain(5)
        let e = entries[2]
        let forged = AuditEntry(
            seq: e.seq, at: e.at, actor: e.actor, action: e.action, objectType: e.objectType, objectID: e.objectID, before: e.before,
            after: #"{"d": "forged"}"#, requestID: e.requestID, previousHash: e.previousHash, hash: "")
        entries[2] = forged.with(hash: forged.expectedHash)
        guard case .broken(let seq, _) = Self.verify(entries) else {
            Issue.record("a re-hashed entry went unnoticed")
            return
        }
        #expect(seq == 4)
    }

    @Test func removedEntriesAreFound() {
        var entries = Self.chain(5)
        entries.remove(at: 1)
        guard case .broken(let seq, let reason) = Self.verify(entries) else {
            Issue.record("a gap went unnoticed")
            return
        }
        #expect(seq == 2)
        #expect(reason.contains("removed"))
        let full = Self.chain(5)
        guard case .broken(let tail, _) = Self.verify(Array(full.prefix(3)), head: (5, full[4].hash)) else {
            Issue.record("a truncated tail went unnoticed")
            return
        }
        #expect(tail == 4)
    }
}

extension AuditEntry {
    func with(hash: String) -> AuditEntry {
        AuditEntry(
            seq: seq, at: at, actor: actor, action: action, objectType: objectType, objectID: objectID, before: before, after: after,
            requestID: requestID, previousHash: previousHash, hash: hash)
    }
}
