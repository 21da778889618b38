import Foundation
public import Logging

/// The identity directory: checks credentials and says which groups a person belongs to.
public protocol Directory: Sendable {
    /// Throws `CairnError.unauthenticated` for any bad credential (never saying whether the user exists) and
    /// `.temporarilyUnavailable` when the directory cannot be reached.
    func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal
}
