public import CairnCore
import Logging

/// The tenant's hash-chained audit trail, newest first.
public struct AuditLog: Sendable {
    let store: any AuditStore

    public init(store: any AuditStore) {
        self.store = store
    }

    public func entries(_ query: AuditQuery, _ scope: RequestScope) async throws -> [AuditEntry] {
        try await store.entries(query, in: scope.tenant, logger: scope.logger)
    }
}
