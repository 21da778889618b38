import Foundation

/// A username and password as received; `validated()` applies the checks that happen before any directory call.
public struct Credentials: Sendable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Empty passwords are refused before binding: many directories treat them as a *successful* anonymous bind.
    /// Surrounding spaces are dropped from the user name, as the directory ignores them when matching.
    public func validated() throws(CairnError) -> Credentials {
        let username = username.trimmingCharacters(in: .whitespaces)
        guard !password.isEmpty, password.utf8.count <= 1024,
            !username.isEmpty, username.utf8.count <= 256,
            !username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            !password.contains("\u{0}")
        else { throw .unauthenticated }
        return Credentials(username: username, password: password)
    }
}
