import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Requires HTTP Basic credentials, checked against the directory, on every route it wraps.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let directory: any Directory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw CairnError.unauthenticated }
        let credentials = try Self.basicCredentials(header)
        var context = context
        context.principal = try await directory.authenticate(credentials, logger: context.logger)
        context.logger[metadataKey: "cairn.user"] = "\(credentials.username)"
        return try await next(request, context)
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
