import CairnCore
public import Hummingbird
import Logging

/// Outermost middleware: every failure leaves as the JSON error body, and nothing internal reaches the client.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let known = CairnError.from(error) {
                if known.status.code >= 500 {
                    context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                return known.response()
            }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return CairnError(.internalError, "The server could not complete the request.").response()
        }
    }
}
