import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import HTTPTypes
import PostgresNIO
import Synchronization
import Testing

/// Signing in to the console, the session cookie and its server-side end, CSRF on every form, expiry, throttling
/// and escaping — over HTTP against the real application, PostgreSQL and slapd.
@Suite struct ConsoleSessionTests {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    @Test func aSignedInSessionIsTheOnlyWayInAndSignOutEndsItOnTheServer() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("console")
        try await harness.run { api in
            var browser = ConsoleBrowser(api)
            let anonymous = try await browser.get("/ui/")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/ui/login?next=/ui/")
            // API credentials do not open the console.
            let basic = try await api.call(.get, "/ui/", as: "carol")
            #expect(basic.status == .seeOther, "\(basic.status)")
            #expect(try await api.call(.get, "/", as: nil).headers[.location] == "/ui/")

            let page = try await browser.get("/ui/login")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            #expect(page.headers[.init("X-Frame-Options")!] == "DENY")
            let signInCookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("cairn_signin=") })
            #expect(signInCookie.contains("HttpOnly") && signInCookie.contains("SameSite=Strict") && signInCookie.contains("Path=/ui"))

            // No sign-in token (another site's form): refused, and no session.
            let forged = try await browser.post("/ui/login", [("username", "carol"), ("password", "carol-pw")], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(browser.cookies["cairn_session"] == nil)
            let wrong = try await browser.signIn("carol", password: "not-her-password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("The user name or password is not right."))
            #expect(browser.cookies["cairn_session"] == nil)

            // Another spelling of the name signs in the directory's person.
            let signedIn = try await browser.signIn(" CAROL ")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/ui/")
            let session = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("cairn_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/ui"))
            #expect(!session.contains("Secure"), "plain HTTP without a proxy saying https")
            let secret = try #require(browser.cookies["cairn_session"])

            let home = try await browser.get("/ui/")
            #expect(home.status == .ok, "\(home.text)")
            #expect(home.text.contains(">carol<") || home.text.contains("carol "), "the canonical name in the header")
            #expect(home.text.contains(tenant.slug.value))
            #expect(home.headers[.cacheControl] == "no-store")

            // The database keeps the secret's hash, never the secret.
            let hash = try #require(SessionSecret(presented: secret)?.hash)
            let owner = try await harness.db.client.query(
                "SELECT username FROM cairn.console_sessions WHERE secret_hash = \(hash)", logger: harness.db.logger
            ).decode(String.self).first { _ in true }
            #expect(owner == "carol")
            let raw = try await harness.db.client.query(
                "SELECT count(*)::int FROM cairn.console_sessions WHERE secret_hash = \(secret)", logger: harness.db.logger
            ).decode(Int.self).first { _ in true }
            #expect(raw == 0)

            // Sign-out needs the form's token; then the old cookie opens nothing on any replica.
            let noToken = try await browser.post("/ui/logout", [], csrf: false)
            #expect(noToken.status == .forbidden)
            let reply1 = try await browser.get("/ui/")
            #expect(reply1.status == .ok, "a refused sign-out leaves the session")
            let out = try await browser.post("/ui/logout", [])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/ui/login")
            #expect(browser.cookies["cairn_session"] == nil)
            browser.set("cairn_session", secret)
            let reply2 = try await browser.get("/ui/")
            #expect(reply2.status == .seeOther, "the session ended on the server, not just in the browser")
        }
    }

    @Test func behindTLSTheSessionCookieIsSecureAndNextStaysOnTheConsole() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            var browser = ConsoleBrowser(api)
            let https: HTTPFields = [Self.xForwardedProto: "https"]
            let signedIn = try await browser.signIn("alice", next: "//evil.example/ui/", headers: https)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/ui/", "an address off the console is not followed")
            #expect(signedIn.headers[values: .setCookie].first { $0.hasPrefix("cairn_session=") }?.contains("Secure") == true)

            var other = ConsoleBrowser(api)
            let back = try await other.signIn("alice", next: "/ui/")
            #expect(back.headers[.location] == "/ui/")
        }
    }

    @Test func sessionsEndWhenIdleAndAtTheirAbsoluteLifetime() async throws {
        let clock = Mutex(Date())
        let harness = try await APIHarness.make(
            consoleSessions: try SessionLifetime(idle: .seconds(60), absolute: .seconds(150)), now: { clock.withLock { $0 } })
        @Sendable func advance(_ seconds: TimeInterval) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }
        try await harness.run { api in
            var browser = ConsoleBrowser(api)
            let reply3 = try await browser.signIn("dave")
            #expect(reply3.status == .seeOther)
            advance(50)
            let reply4 = try await browser.get("/ui/")
            #expect(reply4.status == .ok)
            advance(50)
            let reply5 = try await browser.get("/ui/")
            #expect(reply5.status == .ok, "each request moves the idle deadline")
            advance(61)
            let reply6 = try await browser.get("/ui/")
            #expect(reply6.status == .seeOther, "idle longer than the timeout")

            var steady = ConsoleBrowser(api)
            let reply7 = try await steady.signIn("dave")
            #expect(reply7.status == .seeOther)
            for _ in 0..<2 {
                advance(50)
                let reply8 = try await steady.get("/ui/")
                #expect(reply8.status == .ok)
            }
            advance(51)
            let reply9 = try await steady.get("/ui/")
            #expect(reply9.status == .seeOther, "past the absolute lifetime however active")
        }
    }

    @Test func failedSignInsAreThrottledAsForTheAPI() async throws {
        let harness = try await APIHarness.make(userThrottle: .init(freeFailures: 2, baseDelay: .seconds(30), maxDelay: .seconds(60)))
        try await harness.run { api in
            var browser = ConsoleBrowser(api)
            for _ in 0..<3 { #expect(try await browser.signIn("bob", password: "guess").status == .unauthorized) }
            let throttled = try await browser.signIn("bob", password: "guess")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
            #expect(throttled.text.contains("Too many failed logins"))
            let evenRight = try await browser.signIn("bob")
            #expect(evenRight.status == .tooManyRequests, "the right password waits out the delay too")
        }
    }

    @Test func userInputComesBackEscaped() async throws {
        let harness = try await APIHarness.make()
        let injection = #"<script>alert(1)</script>"'&"#
        let slug = try TenantSlug("inject-\(UUID().uuidString.lowercased().prefix(8))")
        _ = try await harness.db.tenants.createTenant(
            try NewTenant(slug: slug, displayName: injection, settings: [:]), bindings: DirectoryFixture.standardBindings,
            by: Actor(username: "test"), logger: harness.db.logger)
        try await harness.run { api in
            var browser = ConsoleBrowser(api)
            _ = try await browser.signIn("erin")
            let home = try await browser.get("/ui/")
            #expect(home.status == .ok)
            #expect(!home.text.contains("<script>"))
            #expect(home.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

            var stranger = ConsoleBrowser(api)
            let echoed = try await stranger.signIn(#"<img src=x onerror=alert(1)>"#, password: "x")
            #expect(echoed.status == .unauthorized)
            #expect(!echoed.text.contains("<img"))
            #expect(echoed.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
        }
    }
}
