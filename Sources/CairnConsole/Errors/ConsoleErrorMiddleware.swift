import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The console's one place where failures become answers: not signed in → the sign-in page (returning here after),
/// anything else → an error page with the status and a message meant for people. Nothing internal is shown.
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let pages: ConsolePages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let caught {
            let signedIn = caught as? SignedInFailure
            let error = signedIn?.error ?? caught
            let known = CairnError.from(error) ?? CairnError(.internalError, "The console could not complete the request.")
            if known.code == .unauthenticated {
                return Self.redirect(to: "/ui/login" + (request.method == .get ? "?next=\(Self.escapedNext(request.uri.path))" : ""))
            }
            if known.status.code >= 500 {
                context.logger.error("console request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let message = known.status.code >= 500 ? "Something went wrong on our side. Try again in a moment." : known.message
            var response = pages.render(
                "error", ErrorPage(status: Int(known.status.code), reason: known.status.reasonPhrase, message: message),
                user: signedIn.map { PageUser(session: $0.session, principal: $0.principal) }, status: known.status)
            if let retryAfter = known.retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
            return response
        }
    }

    /// 303: the browser follows with a GET.
    static func redirect(to location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func escapedNext(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-._~"))) ?? "/ui/"
    }
}

struct ErrorPage {
    let status: Int
    let reason: String
    let message: String
}
