public import CairnCore
public import Hummingbird
import Logging

public struct CairnRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` for every route under /api/v1.
    public var principal: Principal?
    /// The tenant an API token belongs to, resolved while authenticating it (so routes need not look it up again).
    public var tokenTenant: Tenant?
    /// Set for console routes by the console's session middleware (the principal is the session's person).
    public var consoleSession: ConsoleSession?
    /// The peer's IP address, for throttling failed logins ("unknown" when the transport has none).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        tokenTenant = nil
        consoleSession = nil
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies of the JSON API are small documents; artifacts stream through their own routes.
    public var maxUploadSize: Int { 1 << 20 }

    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw CairnError.unauthenticated }
        return principal
    }
}
