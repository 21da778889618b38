public import Foundation
public import Logging

/// Which audit entries to read: all filters optional, newest first, paged by `seq`.
public struct AuditQuery: Sendable {
    /// One model version: its own entries and those that name it (requests, deployments, aliases, files).
    public struct Version: Sendable, Equatable {
        public let model: String
        public let version: Int

        public init(model: String, version: Int) {
            self.model = model
            self.version = version
        }
    }

    public var objectType: String?
    public var objectID: String?
    public var actor: String?
    public var action: String?
    public var since: Date?
    /// Entries before this instant (with `since`, a time range).
    public var until: Date?
    /// Entries with a smaller `seq` than this (the previous page's last).
    public var beforeSeq: Int64?
    public var maxResults: Int
    public var version: Version?

    public init(
        objectType: String? = nil, objectID: String? = nil, actor: String? = nil, action: String? = nil, since: Date? = nil, until: Date? = nil,
        beforeSeq: Int64? = nil, maxResults: Int = Limits.defaultMaxResults, version: Version? = nil
    ) {
        self.objectType = objectType
        self.objectID = objectID
        self.actor = actor
        self.action = action
        self.since = since
        self.until = until
        self.beforeSeq = beforeSeq
        self.maxResults = maxResults
        self.version = version
    }

    /// An object as people write it: `type:id` (`model_version:churn/3`), or an id of any type.
    public mutating func select(object: String) {
        let parts = object.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            objectType = parts[0]
            objectID = parts[1]
        } else {
            objectID = object
        }
    }
}

public protocol AuditStore: Sendable {
    func entries(_ query: AuditQuery, in tenant: Tenant, logger: Logger) async throws -> [AuditEntry]
    /// Walks the tenant's whole chain.
    func verify(tenant: Tenant, logger: Logger) async throws -> AuditChainVerifier.Finding
}
