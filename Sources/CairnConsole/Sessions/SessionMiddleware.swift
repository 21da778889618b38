import CairnApp
import CairnCore
import CairnHTTPKit
import Hummingbird
import Logging

/// Console routes that need a person: the session cookie's secret resumes a live session and the directory says
/// who the person is now. No cookie, or one for no live session: not signed in (the error middleware sends the
/// browser to the sign-in page). HTTP Basic and API tokens are not looked at.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = CairnRequestContext
    let sessions: ConsoleSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let cookie = request.cookies[CookiePolicy.session]?.value, let secret = SessionSecret(presented: cookie),
            let (session, principal) = try await sessions.resume(secret, logger: context.logger)
        else { throw CairnError.unauthenticated }
        var context = context
        context.principal = principal
        context.consoleSession = session
        context.logger[metadataKey: "cairn.user"] = "\(principal.username)"
        do {
            return try await next(request, context)
        } catch {
            // The error page is drawn outside this middleware; it still shows who is signed in (and their sign-out form).
            throw SignedInFailure(error: error, session: session, principal: principal)
        }
    }
}

/// A failure of a signed-in request, carrying the person so the error page can show them.
struct SignedInFailure: Error {
    let error: any Error
    let session: ConsoleSession
    let principal: Principal
}

extension CairnRequestContext {
    /// The signed-in session (only on routes behind `SessionMiddleware`).
    func requireSession() throws -> ConsoleSession {
        guard let consoleSession else { throw CairnError.unauthenticated }
        return consoleSession
    }

    /// A state-changing form must carry the session's CSRF token.
    func requireCSRF(_ presented: String?) throws {
        let session = try requireSession()
        guard let presented, let token = SessionSecret(presented: session.csrfToken), token.matches(presented) else {
            throw CairnError.denied("This form has expired or did not come from Cairn. Reload the page and try again.")
        }
    }
}
