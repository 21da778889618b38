public import Foundation

public struct RegisteredModel: Sendable, Equatable {
    public let id: UUID
    public var name: String
    public var description: String
    public var owner: String?
    public var tags: [String: String]
    public var aliases: [String: Int]
    public var latestVersion: Int?
    public let createdAt: Date
    public let createdBy: String
    public var updatedAt: Date
    public var updatedBy: String

    public init(
        id: UUID, name: String, description: String, owner: String?, tags: [String: String], aliases: [String: Int],
        latestVersion: Int?, createdAt: Date, createdBy: String, updatedAt: Date, updatedBy: String
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.owner = owner
        self.tags = tags
        self.aliases = aliases
        self.latestVersion = latestVersion
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

public struct NewRegisteredModel: Sendable {
    public let name: ModelName
    public let description: String
    public let owner: String?
    public let tags: [String: String]

    public init(name: ModelName, description: String?, owner: String?, tags: [String: String]?) throws(CairnError) {
        self.name = name
        self.description = try Limits.text(description ?? "", field: "description", max: Limits.descriptionLength)
        self.owner = try owner.map { o throws(CairnError) in try Limits.text(o, field: "owner", max: 256) }
        self.tags = try Limits.tags(tags ?? [:])
    }
}

public struct RegisteredModelChanges: Sendable {
    public var name: ModelName?
    public var description: String?
    /// `.some(nil)` clears the owner.
    public var owner: String??
    /// Replaces the whole tag set when present.
    public var tags: [String: String]?
    /// Set one by one, keeping the others (MLflow's set-tag), after `tags` is applied.
    public var setTags: [String: String]
    /// Removed if present (MLflow's delete-tag).
    public var deleteTags: [String]

    public init(
        name: ModelName?, description: String?, owner: String??, tags: [String: String]?, setTags: [String: String] = [:],
        deleteTags: [String] = []
    ) throws(CairnError) {
        self.name = name
        self.description = try description.map { d throws(CairnError) in try Limits.text(d, field: "description", max: Limits.descriptionLength) }
        if let owner {
            self.owner = .some(try owner.map { o throws(CairnError) in try Limits.text(o, field: "owner", max: 256) })
        } else {
            self.owner = nil
        }
        self.tags = try tags.map { t throws(CairnError) in try Limits.tags(t) }
        self.setTags = try Limits.tags(setTags)
        self.deleteTags = deleteTags
        guard name != nil || description != nil || owner != nil || tags != nil || !setTags.isEmpty || !deleteTags.isEmpty else {
            throw .invalid("Nothing to change: send at least one of name, description, owner, tags.")
        }
    }
}

public struct ModelPage: Sendable {
    public let models: [RegisteredModel]
    public let nextPageToken: String?

    public init(models: [RegisteredModel], nextPageToken: String?) {
        self.models = models
        self.nextPageToken = nextPageToken
    }
}
