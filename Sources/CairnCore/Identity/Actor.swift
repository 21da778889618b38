/// Who is changing something, and in which request: recorded with every change and in the audit log.
public struct Actor: Sendable, Equatable, CustomStringConvertible {
    public let username: String
    public let requestID: String?

    public init(username: String, requestID: String? = nil) {
        self.username = username
        self.requestID = requestID
    }

    public var description: String { username }
}

extension Actor: ExpressibleByStringLiteral {
    /// A user name with no request, e.g. a command-line job or a test.
    public init(stringLiteral username: String) {
        self.init(username: username)
    }
}
