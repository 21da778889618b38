import Foundation
public import Hummingbird

/// The console's cookies: `HttpOnly`, `SameSite=Lax` (the session) or `Strict` (sign-in), scoped to `/ui`, and
/// `Secure` when the browser reached Cairn over TLS (directly or through a proxy that says so) or when told always.
public struct CookiePolicy: Sendable {
    public enum Secure: String, Sendable { case auto, always }

    static let session = "cairn_session"
    static let signIn = "cairn_signin"
    static let path = "/ui"

    public let secure: Secure

    public init(secure: Secure) {
        self.secure = secure
    }

    func isSecure(_ request: Request) -> Bool {
        secure == .always || request.uri.scheme == .https
            || request.headers[.init("X-Forwarded-Proto")!]?.lowercased().split(separator: ",").first?.trimmingCharacters(in: .whitespaces)
                == "https"
    }

    func sessionCookie(_ value: String, for request: Request) -> Cookie {
        Cookie(name: Self.session, value: value, path: Self.path, secure: isSecure(request), httpOnly: true, sameSite: .lax)
    }

    func signInCookie(_ value: String, for request: Request) -> Cookie {
        Cookie(name: Self.signIn, value: value, maxAge: 3600, path: Self.path, secure: isSecure(request), httpOnly: true, sameSite: .strict)
    }

    /// A cookie the browser drops at once.
    func expired(_ name: String, for request: Request) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: Self.path, secure: isSecure(request), httpOnly: true, sameSite: .lax)
    }
}
