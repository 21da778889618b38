import Crypto
public import Foundation

/// A person signed in to the web console. The cookie carries a random secret; the database keeps only its SHA-256,
/// so a copy of the table opens no session. Roles are not stored: they are read from the directory on every request.
public struct ConsoleSession: Sendable, Equatable {
    public let username: String
    /// Echoed by every state-changing form and compared by the server.
    public let csrfToken: String
    public let createdAt: Date
    public let lastSeenAt: Date
    /// The session ends at whichever comes first: idle too long, or too old.
    public let idleExpiresAt: Date
    public let expiresAt: Date

    public init(username: String, csrfToken: String, createdAt: Date, lastSeenAt: Date, idleExpiresAt: Date, expiresAt: Date) {
        self.username = username
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.idleExpiresAt = idleExpiresAt
        self.expiresAt = expiresAt
    }
}

/// How long sessions last: `idle` without a request, `absolute` in all.
public struct SessionLifetime: Sendable, Equatable {
    public let idle: Duration
    public let absolute: Duration

    public init(idle: Duration, absolute: Duration) throws(CairnError) {
        guard idle > .zero, absolute >= idle else {
            throw .invalid("Console sessions need a positive idle timeout no longer than their absolute lifetime.")
        }
        self.init(checked: idle, absolute)
    }

    private init(checked idle: Duration, _ absolute: Duration) {
        self.idle = idle
        self.absolute = absolute
    }

    /// 30 minutes idle, 12 hours in all (the settings' defaults).
    public static let standard = SessionLifetime(checked: .seconds(30 * 60), .seconds(12 * 3600))
}

/// 256 random bits, URL-safe base64 without padding (43 characters): a session's secret or a CSRF token.
public struct SessionSecret: Sendable, Equatable {
    public let value: String

    public init() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        value = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A secret as a cookie or form presented it; anything not of the shape is no secret (nil).
    public init?(presented value: String) {
        guard value.utf8.count == 43, value.utf8.allSatisfy(Self.isAlphabet) else { return nil }
        self.value = value
    }

    /// What the database keeps of a session secret.
    public var hash: String { SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined() }

    /// Constant-time: a form's token against the session's.
    public func matches(_ other: String) -> Bool {
        let a = Array(value.utf8)
        let b = Array(other.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
