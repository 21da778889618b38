public import CairnCore
public import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// A blob as an HTTP download, for every surface that serves files: streamed in the blob store's chunks (flat
/// memory), one byte range (`Range`, `If-Range`), `ETag` = the SHA-256, `If-None-Match`, `Repr-Digest`.
public enum BlobDownload {
    public static func response(
        digest: BlobDigest, size: Int64, mediaType: String, fileName: String, headers extra: HTTPFields = [:], request: Request, tenant: UUID,
        blobs: any BlobStore
    ) async throws -> Response {
        let etag = "\"\(digest.hex)\""
        var headers = extra
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = mediaType
        headers[.contentDisposition] = "attachment; filename*=UTF-8''\(rfc5987(fileName))"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "private, no-cache"
        headers[.reprDigest] = "sha-256=:\(digest.base64):"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        // If-Range: serve the range only if the client's copy is this content.
        let rangeHeader = request.headers[.ifRange].map { $0 == etag } ?? true ? request.headers[.range] : nil
        let range: ClosedRange<Int64>?
        switch ByteRange.parse(rangeHeader, size: size) {
        case .whole: range = nil
        case .partial(let bytes): range = bytes
        case .unsatisfiable:
            throw CairnError(.rangeNotSatisfiable, "The requested range is outside the file's \(size) bytes.", resourceSize: size)
        }
        let reader = try await blobs.reader(for: digest, tenant: tenant, range: range)
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
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
    static func rfc5987(_ name: String) -> String {
        name.utf8.map { byte in
            let unreserved = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || "-._~".utf8.contains(byte)
            return unreserved ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }
}

extension HTTPField.Name {
    public static let reprDigest = HTTPField.Name("Repr-Digest")!
}
