import CairnCore
import CairnHTTPKit
import Foundation

struct TokenDTO: Encodable {
    let id: String
    let name: String
    let prefix: String
    let owner: String
    let role: String
    let createdAt: String
    let expiresAt: String
    let lastUsedAt: Nullable<String>
    let revokedAt: Nullable<String>
    let revokedBy: Nullable<String>

    init(_ token: APIToken) {
        id = token.id.uuidString.lowercased()
        name = token.name
        prefix = token.prefix
        owner = token.owner
        role = token.role.rawValue
        createdAt = RFC3339.format(token.createdAt)
        expiresAt = RFC3339.format(token.expiresAt)
        lastUsedAt = Nullable(token.lastUsedAt.map(RFC3339.format))
        revokedAt = Nullable(token.revokedAt.map(RFC3339.format))
        revokedBy = Nullable(token.revokedBy)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, owner, role
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
        case revokedBy = "revoked_by"
    }
}

/// The only response that ever contains the secret.
struct CreatedTokenDTO: Encodable {
    let token: TokenDTO
    let secret: String
}

struct TokenListDTO: Encodable {
    let tokens: [TokenDTO]
}

struct CreateTokenBody: Decodable, StrictBody {
    let name: String
    let role: String?
    let expiresAt: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, role
        case expiresAt = "expires_at"
    }

}
