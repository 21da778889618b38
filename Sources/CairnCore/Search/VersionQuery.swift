import Foundation

/// A version search: across the tenant, or within one model when `modelName` is set.
public struct VersionQuery: Sendable {
    public let modelName: String?
    public let filterText: String
    public let filter: VersionFilter
    public let order: VersionOrder
    public let maxResults: Int
    public let pageToken: String?
    /// Leaves out MLflow prompts (models one of whose versions is tagged `mlflow.prompt.is_prompt = 'true'`), as
    /// MLflow's search does unless the filter asks for prompts.
    public let excludesPrompts: Bool

    public init(modelName: String?, filter: String?, orderBy: String?, maxResults: Int?, pageToken: String?) throws(CairnError) {
        self.modelName = modelName
        self.filterText = filter ?? ""
        self.filter = try VersionFilter(parsing: filterText)
        self.order = try VersionOrder(parsing: orderBy)
        self.maxResults = try Limits.maxResults(maxResults)
        self.pageToken = pageToken.flatMap { $0.isEmpty ? nil : $0 }
        self.excludesPrompts = false
    }

    /// A query another surface parsed with its own grammar and limits.
    public init(
        modelName: String?, filter: VersionFilter, filterText: String, order: VersionOrder, maxResults: Int, pageToken: String?,
        excludesPrompts: Bool
    ) {
        self.modelName = modelName
        self.filterText = filterText
        self.filter = filter
        self.order = order
        self.maxResults = maxResults
        self.pageToken = pageToken.flatMap { $0.isEmpty ? nil : $0 }
        self.excludesPrompts = excludesPrompts
    }

    /// The same search from another position and with another page size (tokens do not depend on the size).
    public func page(after pageToken: String?, maxResults: Int) -> VersionQuery {
        VersionQuery(
            modelName: modelName, filter: filter, filterText: filterText, order: order, maxResults: maxResults, pageToken: pageToken,
            excludesPrompts: excludesPrompts)
    }

    /// Tokens are bound to the tenant, the scope and the query's meaning (the parsed filter, not its spelling).
    public func fingerprint(tenant: Tenant) -> String {
        PageToken.fingerprint(
            tenant.id.uuidString, modelName ?? "*", String(describing: filter.clauses), order.text, excludesPrompts ? "no-prompts" : "")
    }
}
