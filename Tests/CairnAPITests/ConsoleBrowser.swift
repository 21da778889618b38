import CairnTestSupport
import Foundation
import HTTPTypes
import Testing

/// A browser's part of the console for page tests over HTTP: it keeps the cookies the server sets (and drops the
/// ones it expires), sends them back, and reads the CSRF token out of the last page's forms.
struct ConsoleBrowser {
    let api: APIClient
    private(set) var cookies: [String: String] = [:]
    private(set) var last: Reply?

    init(_ api: APIClient) {
        self.api = api
    }

    mutating func get(_ path: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await send(.get, path, body: nil, headers: headers)
    }

    /// Posts `fields` as a form; `csrf: true` adds the token of the last page's form.
    mutating func post(_ path: String, _ fields: [(String, String)], csrf: Bool = true, headers: HTTPFields = [:]) async throws -> Reply {
        var fields = fields
        if csrf, let token = last.flatMap({ Self.csrfToken(in: $0.text) }) { fields.append(("csrf", token)) }
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.post, path, body: body, headers: headers)
    }

    /// Signs in through the sign-in page as a person would; the answer to the form's POST.
    mutating func signIn(_ user: String, password: String? = nil, next: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        _ = try await get("/ui/login" + (next.map { "?next=\($0)" } ?? ""))
        return try await post(
            "/ui/login",
            [("username", user), ("password", password ?? DirectoryFixture.passwords[user.trimmingCharacters(in: .whitespaces).lowercased()] ?? "")]
                + (next.map { [("next", $0)] } ?? []), headers: headers)
    }

    mutating func forget(_ name: String) { cookies[name] = nil }
    mutating func set(_ name: String, _ value: String) { cookies[name] = value }

    private mutating func send(_ method: HTTPRequest.Method, _ path: String, body: String?, headers: HTTPFields) async throws -> Reply {
        var headers = headers
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        let reply = try await api.send(
            method, path, authorization: nil, body: body, contentType: "application/x-www-form-urlencoded", extraHeaders: headers)
        for header in reply.headers[values: .setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if reply.headers[.contentType]?.hasPrefix("text/html") == true { last = reply }
        return reply
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([A-Za-z0-9_-]{43})""#, options: .regularExpression) else { return nil }
        return String(html[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
    }
}
