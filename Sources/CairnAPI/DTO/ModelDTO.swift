import CairnCore
import CairnHTTPKit
import Foundation
import Logging

struct ModelDTO: Encodable {
    let name: String
    let description: String
    let owner: Nullable<String>
    let tags: [String: String]
    let aliases: [String: Int]
    let latestVersion: Nullable<Int>
    let createdAt: String
    let createdBy: String
    let updatedAt: String
    let updatedBy: String

    init(_ model: RegisteredModel) {
        name = model.name
        description = model.description
        owner = Nullable(model.owner)
        tags = model.tags
        aliases = model.aliases
        latestVersion = Nullable(model.latestVersion)
        createdAt = RFC3339.format(model.createdAt)
        createdBy = model.createdBy
        updatedAt = RFC3339.format(model.updatedAt)
        updatedBy = model.updatedBy
    }

    enum CodingKeys: String, CodingKey {
        case name, description, owner, tags, aliases
        case latestVersion = "latest_version"
        case createdAt = "created_at"
        case createdBy = "created_by"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }
}

struct ModelListDTO: Encodable {
    let registeredModels: [ModelDTO]
    let nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case registeredModels = "registered_models"
        case nextPageToken = "next_page_token"
    }
}

struct CreateModelBody: Decodable, StrictBody {
    let name: String
    let description: String?
    let owner: String?
    let tags: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, owner, tags }
}

/// PATCH: absent fields stay; `"owner": null` clears the owner.
struct PatchModelBody: Decodable, StrictBody {
    let name: String?
    let description: String?
    let owner: String??
    let tags: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, description, owner, tags }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        if c.contains(.owner) {
            owner = .some(try c.decodeNil(forKey: .owner) ? nil : try c.decode(String.self, forKey: .owner))
        } else {
            owner = nil
        }
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags)
    }
}
