import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird

extension MLflowRoutes {
    /// MLflow's artifact proxy (`mlflow_artifacts.proto`): list one level, download (streamed, with ranges), upload
    /// (streamed, hashed, into the content-addressed store), delete. Multipart and presigned transfers are off
    /// (server-info says so), so the client uses these for every size.
    func addArtifactProxyRoutes() {
        let proxy = app.proxy
        registrar.add(.get, "2.0/mlflow-artifacts/artifacts", access: .tenant(.reader)) { request, _, scope in
            let raw = request.query("path") ?? ""
            let directory = raw.isEmpty || raw == "/" ? nil : try MLflowArtifactPath.decoded(raw)
            let listing = try await proxy.list(directory, scope)
            return MLflowJSON.response { json in
                guard !listing.entries.isEmpty else { return }
                json.key("files")
                json.beginArray()
                for entry in listing.entries {
                    json.beginObject()
                    if let size = entry.size {
                        json.key("file_size")
                        json.int(Int(size))
                    }
                    json.key("is_dir")
                    json.bool(entry.isDirectory)
                    json.key("path")
                    json.string(entry.name)
                    json.endObject()
                }
                json.endArray()
            }
        }
        registrar.add(.get, "2.0/mlflow-artifacts/artifacts/**", access: .tenant(.reader)) { request, _, scope in
            let path = try MLflowArtifactPath.captured(request)
            guard let file = try await proxy.file(path, scope) else {
                throw CairnError.notFound("No artifact at '\(path)'.")
            }
            return try await BlobDownload.response(
                digest: file.digest, size: file.size, mediaType: ArtifactFormat.mediaType(for: path), fileName: String(path.fileName),
                request: request, tenant: scope.tenant.id, blobs: proxy.blobs)
        }
        registrar.add(.put, "2.0/mlflow-artifacts/artifacts/**", access: .tenant(.contributor)) { request, _, scope in
            let path = try MLflowArtifactPath.captured(request)
            let declared = try request.headers[.contentLength].map { raw in
                guard let length = Int64(raw), length >= 0 else { throw CairnError.invalid("Content-Length must be a whole number.") }
                return length
            }
            _ = try await proxy.store(RequestBytes(body: request.body), at: path, declaredLength: declared, scope)
            return MLflowJSON.empty
        }
        registrar.add(.delete, "2.0/mlflow-artifacts/artifacts/**", access: .tenant(.contributor)) { request, _, scope in
            try await proxy.delete(try MLflowArtifactPath.captured(request), scope)
            return MLflowJSON.empty
        }
    }
}

/// Paths of the proxied tree, from the URL (still percent-encoded) or a query parameter (decoded once). Every
/// traversal form is refused: `..` plain or encoded (`%2e%2e`, `%252e%252e`), encoded separators, backslashes, NUL
/// and other control characters, absolute and drive paths (`ArtifactPath`).
enum MLflowArtifactPath {
    /// The path after `…/mlflow-artifacts/artifacts/` exactly as the request sent it (the router would fold `//`
    /// and so turn `/etc/passwd` into a relative path).
    static func captured(_ request: Request) throws -> ArtifactPath {
        let marker = "/mlflow-artifacts/artifacts/"
        guard let range = request.uri.path.range(of: marker) else { throw CairnError.invalid("An artifact path is required.") }
        let raw = request.uri.path[range.upperBound...]
        guard !raw.hasPrefix("/") else { throw CairnError.invalid("The artifact path must be relative, not absolute.") }
        return try ArtifactPath(raw: raw)
    }

    /// A decoded path must not still hold percent-encodings: a second decoding elsewhere would see another path.
    static func decoded(_ text: String) throws(CairnError) -> ArtifactPath {
        let lowered = text.lowercased()
        for encoded in ["%2e", "%2f", "%5c", "%25", "%00"] where lowered.contains(encoded) {
            throw .invalid("The artifact path must not contain the percent-encoded sequence '\(encoded)'.")
        }
        return try ArtifactPath(decoded: text)
    }

    /// The directory of the tenant's proxied tree a version `source` names, if it names one: `mlflow-artifacts:/p`,
    /// `mlflow-artifacts://host/p`, or this server's `…/api/2.0/mlflow-artifacts/artifacts/p` under this tenant.
    static func directory(ofSource source: String, tenant: TenantSlug) -> ArtifactPath? {
        var rest: Substring
        if source.hasPrefix("mlflow-artifacts://") {
            rest = source.dropFirst("mlflow-artifacts://".count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            rest = rest[slash...]
        } else if source.hasPrefix("mlflow-artifacts:") {
            rest = source.dropFirst("mlflow-artifacts:".count)
        } else if source.hasPrefix("http://") || source.hasPrefix("https://"), let marker = source.range(of: "/api/2.0/mlflow-artifacts/artifacts/") {
            let before = source[..<marker.lowerBound]
            let afterHost = before.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" }
            guard afterHost.isEmpty || afterHost == "/tenants/\(tenant.value)" else { return nil }
            rest = source[marker.upperBound...]
        } else {
            return nil
        }
        return try? decoded(String(rest.drop { $0 == "/" }))
    }
}
