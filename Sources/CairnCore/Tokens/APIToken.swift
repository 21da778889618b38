import Crypto
public import Foundation

/// An API token for automation (e.g. `MLFLOW_TRACKING_TOKEN`). Only its SHA-256 is stored; the secret is shown once.
public struct APIToken: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let prefix: String
    public let owner: String
    /// The most this token may do; the owner's current role can lower it further.
    public let role: Role
    public let createdAt: Date
    public let expiresAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?
    public let revokedBy: String?

    public init(
        id: UUID, name: String, prefix: String, owner: String, role: Role, createdAt: Date, expiresAt: Date, lastUsedAt: Date?,
        revokedAt: Date?, revokedBy: String?
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.owner = owner
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
    }

    public func isUsable(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }
}

/// A freshly minted token: the full secret (returned to the creator once) and what is stored.
public struct MintedToken: Sendable {
    public let secret: String
    public let prefix: String
    public let hash: String

    /// `cairn_<tenant slug>_<8 hex prefix><64 hex secret>`: 256 random bits; the slug names the token's tenant
    /// so it can be looked up under that tenant's row-level security, the prefix finds the row.
    public init(tenant: TenantSlug) {
        var generator = SystemRandomNumberGenerator()
        let prefix = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        self.secret = "cairn_\(tenant.value)_\(prefix)\(secret)"
        self.prefix = prefix
        self.hash = TokenCredential.hash(self.secret)
    }
}

/// A bearer token as presented: which tenant and row it claims, and the hash to compare.
public struct TokenCredential: Sendable, Equatable {
    public let tenant: TenantSlug
    public let prefix: String
    public let hash: String

    public init(parsing token: String) throws(CairnError) {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard token.utf8.count <= 200, parts.count == 3, parts[0] == "cairn", let tenant = try? TenantSlug(String(parts[1])),
            parts[2].utf8.count == 72, parts[2].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { throw .unauthenticated }
        self.tenant = tenant
        self.prefix = String(parts[2].prefix(8))
        self.hash = Self.hash(token)
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison with a stored hash.
    public func matches(storedHash: String) -> Bool {
        let a = Array(hash.utf8)
        let b = Array(storedHash.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

public struct NewAPIToken: Sendable {
    public let name: String
    public let role: Role
    public let expiresAt: Date

    /// A token's role may not exceed its creator's current role, nor live longer than `maxLifetime`.
    public init(name: String, role: Role, expiresAt: Date?, creatorRole: Role, now: Date, maxLifetime: Duration) throws(CairnError) {
        let trimmed = String(name.trimmingWhitespace())
        guard (1...100).contains(trimmed.count), !trimmed.contains("\u{0}") else { throw .invalid("A token name must be 1 to 100 characters.") }
        guard role <= creatorRole else {
            throw .denied("A token cannot have more rights than its creator: you are '\(creatorRole.rawValue)' in this tenant.")
        }
        let latest = now.addingTimeInterval(TimeInterval(maxLifetime.components.seconds))
        let expiry = expiresAt ?? latest
        guard expiry > now else { throw .invalid("'expires_at' must be in the future.") }
        guard expiry <= latest.addingTimeInterval(1) else {
            throw .invalid("Tokens live at most \(maxLifetime.components.seconds / 86_400) days; choose an earlier 'expires_at'.")
        }
        self.name = trimmed
        self.role = role
        self.expiresAt = expiry
    }
}
