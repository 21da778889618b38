public import CairnCore
import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// MLflow's error shape: `{"error_code": "...", "message": "..."}`.
struct ErrorBody: Codable, Sendable {
    let errorCode: String
    let message: String

    enum CodingKeys: String, CodingKey {
        case errorCode = "error_code"
        case message
    }
}

extension CairnError {
    /// The one mapping from domain error codes to HTTP statuses.
    public var status: HTTPResponse.Status {
        switch code {
        case .invalidParameterValue: .badRequest
        case .unauthenticated: .unauthorized
        case .permissionDenied: .forbidden
        case .resourceDoesNotExist, .endpointNotFound: .notFound
        case .resourceAlreadyExists, .invalidState: .conflict
        case .gone: .gone
        case .requestLimitExceeded: .tooManyRequests
        case .requestTooLarge: .contentTooLarge
        case .deadlineExceeded: .requestTimeout
        case .rangeNotSatisfiable: .rangeNotSatisfiable
        case .temporarilyUnavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    public func response() -> Response { response(code: code.rawValue, status: status) }

    /// The error body with a surface's own code and status for this error (MLflow's mapping differs from /api/v1's);
    /// the headers a client acts on are the same everywhere.
    public func response(code wireCode: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if code == .unauthenticated { headers[.wwwAuthenticate] = #"Basic realm="cairn", charset="UTF-8""# }
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if let resourceSize { headers[.contentRange] = "bytes */\(resourceSize)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(ErrorBody(errorCode: wireCode, message: message))) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Errors from elsewhere (decoding, the framework, anything unforeseen) in the domain's terms.
    public static func from(_ error: any Error) -> CairnError? {
        switch error {
        case let error as CairnError:
            return error
        case let error as DecodingError:
            return .invalid("Malformed request body: \(error.fieldDescription).")
        case is NIOTooManyBytesError:
            return CairnError(.requestTooLarge, "The request body is larger than the 1 MiB this endpoint accepts.")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return CairnError(.endpointNotFound, "No such endpoint.")
            case .contentTooLarge: return CairnError(.requestTooLarge, "The request body is too large.")
            case .methodNotAllowed: return CairnError(.endpointNotFound, "That method is not supported on this endpoint.")
            case let status where (400..<500).contains(status.code): return .invalid(error.body ?? status.reasonPhrase)
            default: return nil
            }
        default:
            return nil
        }
    }
}

extension DecodingError {
    var fieldDescription: String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "the body" : "'\(joined)'"
        }
        switch self {
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(JSONTypeName.of(type))"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(JSONTypeName.of(type)), not null"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field '\(key.stringValue)'\(parent == "the body" ? "" : " in \(parent)")"
        case .dataCorrupted(let context): return "\(path(context)) is not valid JSON (\(context.debugDescription))"
        @unknown default: return "invalid JSON"
        }
    }
}

enum JSONTypeName {
    static func of(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "\(type)".hasPrefix("Dictionary") ? "an object" : "a \(type)"
        }
    }
}
