public import CairnCore

/// A long version search read as consecutive keyset pages of at most `size` versions, each in its own short
/// transaction, so a surface can stream a 10,000-version answer while holding one page in memory and no database
/// connection between pages. Together the pages are what one search with the query's `maxResults` returns, and the
/// last page's token continues after them.
public struct VersionSearchChunks: Sendable {
    let registry: Registry
    let query: VersionQuery
    let size: Int
    let scope: RequestScope
    private var remaining: Int
    private var token: String?
    private var finished = false

    init(registry: Registry, query: VersionQuery, size: Int, scope: RequestScope) {
        self.registry = registry
        self.query = query
        self.size = max(1, size)
        self.scope = scope
        self.remaining = query.maxResults
        self.token = query.pageToken
    }

    /// The next page, or nil after the last. A page's `nextPageToken` is set only on the last one (when more versions
    /// follow the whole answer).
    public mutating func next() async throws -> VersionPage? {
        guard !finished else { return nil }
        let asked = min(remaining, size)
        let page = try await registry.search(query.page(after: token, maxResults: asked), scope)
        remaining -= page.versions.count
        token = page.nextPageToken
        finished = remaining <= 0 || token == nil || page.versions.count < asked
        return VersionPage(versions: page.versions, nextPageToken: finished ? token : nil)
    }
}

extension Registry {
    public func searchInChunks(_ query: VersionQuery, size: Int, _ scope: RequestScope) -> VersionSearchChunks {
        VersionSearchChunks(registry: self, query: query, size: size, scope: scope)
    }
}
