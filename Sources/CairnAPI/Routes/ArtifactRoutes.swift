import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

extension APIRoutes {
    func addArtifactRoutes() {
        let files = app.files
        let version = "tenants/{tenant}/models/{model}/versions/{version}"

        add(.get, "\(version)/files", access: .tenant(.reader)) { _, context, scope in
            let (model, number) = (try context.pathParameter("model"), try context.versionParameter())
            return try .json(FileListDTO(model: model, version: number, try await files.files(version: number, of: model, scope)))
        }

        add(.put, "\(version)/files/**", access: .tenant(.contributor)) { request, context, scope in
            let path = try context.artifactPath()
            let expected = try ExpectedDigest.parse(headers: request.headers, query: request.query("sha256"))
            let declared = try request.headers[.contentLength].map { raw in
                guard let length = Int64(raw), length >= 0 else { throw CairnError.invalid("Content-Length must be a whole number.") }
                return length
            }
            let (file, replaced) = try await files.upload(
                RequestBytes(body: request.body), to: path, declaredLength: declared, expected: expected, version: try context.versionParameter(),
                of: try context.pathParameter("model"), scope)
            var response = try Response.json(FileDTO(file), status: replaced ? .ok : .created)
            response.headers[.eTag] = "\"\(file.digest.hex)\""
            return response
        }

        add(.get, "\(version)/files/**", access: .tenant(.reader)) { request, context, scope in
            let file = try await files.file(
                try context.artifactPath(), version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try await Self.download(file, request: request, tenant: scope.tenant, blobs: files.blobs)
        }

        add(.delete, "\(version)/files/**", access: .tenant(.contributor)) { _, context, scope in
            try await files.delete(try context.artifactPath(), version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return .noContent
        }

        add(.post, "\(version)/finalize", access: .tenant(.contributor)) { _, context, scope in
            let finalized = try await files.finalize(version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try .json(VersionDTO(finalized))
        }

        add(.get, "tenants/{tenant}/artifacts/broken", access: .tenant(.reader)) { _, _, scope in
            let broken = try await files.brokenFiles(scope)
            return try .json(BrokenFileListDTO(brokenFiles: broken.map(BrokenFileDTO.init)))
        }
    }

    private static func download(_ file: VersionFile, request: Request, tenant: Tenant, blobs: any BlobStore) async throws -> Response {
        var headers = HTTPFields()
        headers[.cairnFormat] = file.format.rawValue
        return try await BlobDownload.response(
            digest: file.digest, size: file.size, mediaType: file.mediaType, fileName: String(file.path.fileName), headers: headers,
            request: request, tenant: tenant.id, blobs: blobs)
    }
}

extension CairnRequestContext {
    /// The file path after `/files/`, exactly as it appeared in the URL (still percent-encoded), made safe.
    func artifactPath() throws -> ArtifactPath {
        guard let raw = parameters[Parameters.recursiveCaptureKey] else { throw CairnError.invalid("An artifact path is required.") }
        return try ArtifactPath(raw: raw)
    }
}

extension HTTPField.Name {
    static let cairnFormat = HTTPField.Name("X-Cairn-Format")!
}
