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

    /// Recomputes the tenant's whole chain: whether any entry was changed, removed or reordered since it was written.
    public func verify(_ scope: RequestScope) async throws -> AuditChainVerifier.Finding {
        try await store.verify(tenant: scope.tenant, logger: scope.logger)
    }
}
