import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The console's templates (Mustache, HTML-escaped unless a template says otherwise — none does) and its one
/// stylesheet, read from the target's resources once at start-up.
struct ConsolePages: Sendable {
    let library: MustacheLibrary
    /// The files under `/ui/static/`, by name, with their media type.
    let staticFiles: [String: (type: String, body: ByteBuffer)]

    init() throws {
        guard let templates = Bundle.module.url(forResource: "templates", withExtension: nil),
            let assets = Bundle.module.url(forResource: "static", withExtension: nil)
        else { throw CairnError(.internalError, "The console's templates are missing from the installation.") }
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        self.library = library
        let types = ["css": "text/css; charset=utf-8", "svg": "image/svg+xml", "js": "text/javascript; charset=utf-8"]
        var files: [String: (type: String, body: ByteBuffer)] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: assets.path) {
            guard let type = types[(file as NSString).pathExtension] else { continue }
            files[file] = (type, ByteBuffer(bytes: Array(try Data(contentsOf: assets.appendingPathComponent(file)))))
        }
        staticFiles = files
    }

    /// `template` with `page` as its data and the signed-in person (nil on the sign-in and public pages) in the header.
    func render(_ template: String, _ page: Any, user: PageUser?, nav: TenantNav? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var context: [String: Any] = ["page": page]
        if let user { context["user"] = user }
        if let nav { context["nav"] = nav }
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>Cairn</title><p>This page is missing.</p>"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The person in the page header, with the token their sign-out form carries.
struct PageUser {
    let username: String
    let csrf: String
    let platformAdmin: Bool

    init(session: ConsoleSession, principal: Principal?, platformAdmin: Bool = false) {
        username = principal?.username ?? session.username
        csrf = session.csrfToken
        self.platformAdmin = platformAdmin
    }
}
