public import CairnCore
public import Foundation
import HTTPTypes
public import Hummingbird
import Logging

/// Requires credentials on every route it wraps: HTTP Basic (checked against the directory) or an API token
/// (`Authorization: Bearer cairn_…`, acting for its owner with the owner's current groups). Failed attempts are
/// throttled per user name and per client address.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = CairnRequestContext
    let directory: any Directory
    let tenants: any TenantStore
    let tokens: any TokenStore
    let throttles: LoginThrottles
    /// The wall clock tokens expire by.
    let now: @Sendable () -> Date

    public init(
        directory: any Directory, tenants: any TenantStore, tokens: any TokenStore, throttles: LoginThrottles,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.now = now
        self.directory = directory
        self.tenants = tenants
        self.tokens = tokens
        self.throttles = throttles
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw CairnError.unauthenticated }
        var context = context
        let principal: Principal
        if header.lowercased().hasPrefix("bearer ") {
            (principal, context.tokenTenant) = try await bearer(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), context: context)
        } else {
            principal = try await basic(header, context: context)
        }
        context.principal = principal
        context.logger[metadataKey: "cairn.user"] = "\(principal.username)"
        if let token = principal.token { context.logger[metadataKey: "cairn.token"] = "\(token.tokenID)" }
        return try await next(request, context)
    }

    private func basic(_ header: String, context: Context) async throws -> Principal {
        let credentials = try Self.basicCredentials(header)
        try throttles.admit(username: credentials.username, address: context.clientAddress)
        do {
            let principal = try await directory.authenticate(credentials, logger: context.logger)
            throttles.succeeded(username: credentials.username)
            return principal
        } catch let error as CairnError where error.code == .unauthenticated {
            throttles.failed(username: credentials.username, address: context.clientAddress)
            throw error
        }
    }

    private func bearer(_ token: String, context: Context) async throws -> (Principal, Tenant) {
        try throttles.admit(username: nil, address: context.clientAddress)
        do {
            let credential = try TokenCredential(parsing: token)
            guard let tenant = try await tenants.tenant(slug: credential.tenant, logger: context.logger),
                let stored = try await tokens.verify(credential, tenantID: tenant.id, logger: context.logger)
            else { throw CairnError.unauthenticated }
            guard stored.isUsable(at: now()) else {
                context.logger.info("refused a revoked or expired token", metadata: ["cairn.token": "\(stored.id)"])
                throw CairnError.unauthenticated
            }
            let owner = try await directory.lookup(username: stored.owner, logger: context.logger)
            return (owner.with(token: TokenGrant(tokenID: stored.id, tenantID: tenant.id, role: stored.role)), tenant)
        } catch let error as CairnError where error.code == .unauthenticated {
            throttles.failed(username: nil, address: context.clientAddress)
            throw error
        }
    }

    static func basicCredentials(_ header: String) throws(CairnError) -> Credentials {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { throw .unauthenticated }
        return Credentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
    }
}
