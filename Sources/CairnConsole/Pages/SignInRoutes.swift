import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird

/// Sign-in with the directory password, and sign-out that ends the session in the database. The sign-in form has
/// no session to carry a CSRF token, so it carries the value of its own `SameSite=Strict` cookie (another site can
/// neither read the cookie nor send it), which keeps other sites from signing a browser in as someone else.
extension ConsoleRoutes {
    func addSignInRoutes() {
        registrar.addOpen(.get, "/") { _, _ in ConsoleErrorMiddleware.redirect(to: "/ui/") }

        registrar.addOpen(.get, "/ui/login") { request, context in
            if let cookie = request.cookies[CookiePolicy.session]?.value, let secret = SessionSecret(presented: cookie),
                try await sessions.resume(secret, logger: context.logger) != nil
            {
                return ConsoleErrorMiddleware.redirect(to: Self.safeNext(request.uri.queryParameters["next"].map(String.init)))
            }
            return signInPage(request, next: request.uri.queryParameters["next"].map(String.init), username: nil, problem: nil, status: .ok)
        }

        registrar.addOpen(.post, "/ui/login") { request, context in
            let form = try await FormBody(request, context: context)
            let next = Self.safeNext(form["next"])
            guard let presented = form["csrf"], let expected = request.cookies[CookiePolicy.signIn].flatMap({ SessionSecret(presented: $0.value) }),
                expected.matches(presented)
            else {
                return signInPage(
                    request, next: next, username: form["username"], problem: "The sign-in form expired. Please try again.", status: .forbidden)
            }
            let username = form["username"]?.trimmingCharacters(in: .whitespaces) ?? ""
            let password = form["password"] ?? ""
            guard !username.isEmpty, !password.isEmpty else {
                return signInPage(request, next: next, username: username, problem: "Enter your user name and password.", status: .badRequest)
            }
            try throttles.admit(username: username, address: context.clientAddress)
            let signedIn: (session: ConsoleSession, secret: SessionSecret, principal: Principal)
            do {
                signedIn = try await sessions.signIn(
                    try Credentials(username: username, password: password).validated(), address: context.clientAddress, logger: context.logger)
            } catch let error as CairnError where error.code == .unauthenticated {
                throttles.failed(username: username, address: context.clientAddress)
                return signInPage(request, next: next, username: username, problem: "The user name or password is not right.", status: .unauthorized)
            }
            throttles.succeeded(username: signedIn.principal.username)
            var response = ConsoleErrorMiddleware.redirect(to: next)
            response.setCookie(cookies.sessionCookie(signedIn.secret.value, for: request))
            response.setCookie(cookies.expired(CookiePolicy.signIn, for: request))
            return response
        }

        registrar.add(.post, "/ui/logout") { request, context, _, _ in
            let form = try await FormBody(request, context: context)
            try context.requireCSRF(form["csrf"])
            if let cookie = request.cookies[CookiePolicy.session]?.value, let secret = SessionSecret(presented: cookie) {
                try await sessions.signOut(secret, logger: context.logger)
            }
            var response = ConsoleErrorMiddleware.redirect(to: "/ui/login")
            response.setCookie(cookies.expired(CookiePolicy.session, for: request))
            return response
        }
    }

    /// The sign-in page, with a fresh sign-in token in its cookie and its form.
    private func signInPage(_ request: Request, next: String?, username: String?, problem: String?, status: HTTPResponse.Status) -> Response {
        let token = SessionSecret()
        var response = pages.render(
            "login", SignInPage(next: Self.safeNext(next), username: username ?? "", problem: problem, csrf: token.value), user: nil, status: status)
        response.setCookie(cookies.signInCookie(token.value, for: request))
        return response
    }

    /// Only a page of the console itself: never another site (`//evil.example`), never a scheme.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.hasPrefix("/ui//"), !next.contains("\\"), !next.contains("\r"), !next.contains("\n")
        else { return "/ui/" }
        return next
    }
}

struct SignInPage {
    let next: String
    let username: String
    let problem: String?
    let csrf: String
}
