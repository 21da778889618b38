import Foundation

/// A version search: across the tenant, or within one model when `modelName` is set.
public struct VersionQuery: Sendable {
    public let modelName: String?
    public let filterText: String
    public let filter: VersionFilter
    public let order: VersionOrder
    public let maxResults: Int
    public let pageToken: String?

    public init(modelName: String?, filter: String?, orderBy: String?, maxResults: Int?, pageToken: String?) throws(CairnError) {
        self.modelName = modelName
        self.filterText = filter ?? ""
        self.filter = try VersionFilter(parsing: filterText)
        self.order = try VersionOrder(parsing: orderBy)
        self.maxResults = try Limits.maxResults(maxResults)
        self.pageToken = pageToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Tokens are bound to the tenant, the scope and the query's meaning (the parsed filter, not its spelling).
    public func fingerprint(tenant: Tenant) -> String {
        PageToken.fingerprint(tenant.id.uuidString, modelName ?? "*", String(describing: filter.clauses), order.text)
    }
}
