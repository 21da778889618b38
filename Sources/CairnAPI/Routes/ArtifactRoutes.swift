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
        let etag = "\"\(file.digest.hex)\""
        var headers = HTTPFields()
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = file.mediaType
        headers[.contentDisposition] = "attachment; filename*=UTF-8''\(Self.rfc5987(String(file.path.fileName)))"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "private, no-cache"
        headers[.reprDigest] = "sha-256=:\(file.digest.base64):"
        headers[.cairnFormat] = file.format.rawValue
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        // If-Range: serve the range only if the client's copy is this content.
        let rangeHeader = request.headers[.ifRange].map { $0 == etag } ?? true ? request.headers[.range] : nil
        let range: ClosedRange<Int64>?
        switch ByteRange.parse(rangeHeader, size: file.size) {
        case .whole: range = nil
        case .partial(let bytes): range = bytes
        case .unsatisfiable:
            throw CairnError(.rangeNotSatisfiable, "The requested range is outside the file's \(file.size) bytes.", resourceSize: file.size)
        }
        let reader = try await blobs.reader(for: file.digest, tenant: tenant.id, range: range)
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? file.size
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(file.size)" }
        let body = ResponseBody(contentLength: Int(length)) { writer in
            do {
                while let chunk = try await reader.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                await reader.close()
                try await writer.finish(nil)
            } catch {
                await reader.close()
                throw error
            }
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    /// `filename*` form: UTF-8, percent-encoded except unreserved characters.
    private static func rfc5987(_ name: String) -> String {
        name.utf8.map { byte in
            let unreserved = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || "-._~".utf8.contains(byte)
            return unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
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
    static let reprDigest = HTTPField.Name("Repr-Digest")!
    static let cairnFormat = HTTPField.Name("X-Cairn-Format")!
}
