import CairnCore
public import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The OpenAPI 3.1 description of /api/v1, shipped as a resource and served as is.
public enum OpenAPIDocument {
    public static func data() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw CairnError(.internalError, "The API description is missing from this build.")
        }
        return try Data(contentsOf: url)
    }

    static func response() throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try data())))
    }
}
