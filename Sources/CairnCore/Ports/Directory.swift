public import Logging

/// The identity directory: checks credentials and says which groups a person belongs to.
public protocol Directory: Sendable {
    /// Throws `CairnError.unauthenticated` for any bad credential (never saying whether the user exists) and
    /// `.temporarilyUnavailable` when the directory cannot be reached in time.
    func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal

    /// A person's current groups, without their password (for API tokens, which act for their owner).
    /// Throws `.unauthenticated` when the person no longer exists.
    func lookup(username: String, logger: Logger) async throws -> Principal

    /// Whether the directory answers a service-account bind now.
    func isHealthy(logger: Logger) async -> Bool
}
