public import Logging

public protocol PortfolioStore: Sendable {
    func portfolio(in tenant: Tenant, logger: Logger) async throws -> Portfolio
}
