public import CairnCore

/// What a tenant's dashboard shows; every reader may see it.
public struct Dashboard: Sendable {
    let store: any PortfolioStore

    public init(store: any PortfolioStore) {
        self.store = store
    }

    public func portfolio(_ scope: RequestScope) async throws -> Portfolio {
        try await store.portfolio(in: scope.tenant, logger: scope.logger)
    }
}
