import CairnCore
import CairnHTTPKit
import HTTPTypes
import Hummingbird
import Logging

/// MLflow's error JSON with MLflow's status for each code (`ERROR_CODE_TO_HTTP_STATUS`): the one mapping of this
/// surface. Every refusal is a 4xx whose code MLflow maps to that same status — the client resends 5xx for minutes,
/// so only a real server fault answers one.
enum MLflowError {
    /// A stage change that became a transition request, waiting for a different approver.
    static let aborted = CairnError.Code(rawValue: "ABORTED")

    static func wire(_ error: CairnError) -> (code: String, status: HTTPResponse.Status) {
        switch error.code {
        case .invalidParameterValue, .requestTooLarge: ("INVALID_PARAMETER_VALUE", .badRequest)
        case .resourceAlreadyExists: ("RESOURCE_ALREADY_EXISTS", .badRequest)
        case .unauthenticated: ("UNAUTHENTICATED", .unauthorized)
        case .permissionDenied: ("PERMISSION_DENIED", .forbidden)
        case .resourceDoesNotExist, .gone: ("RESOURCE_DOES_NOT_EXIST", .notFound)
        case .endpointNotFound: ("ENDPOINT_NOT_FOUND", .notFound)
        // A governance rule refused the change in the state the object is in (legal hold, Production, the card gate).
        case .invalidState: ("RESOURCE_CONFLICT", .conflict)
        case aborted: ("ABORTED", .conflict)
        case .requestLimitExceeded: ("REQUEST_LIMIT_EXCEEDED", .tooManyRequests)
        // HTTP's own answer to a range outside the file; MLflow's client never sends ranges, so no code of its applies.
        case .rangeNotSatisfiable: ("INVALID_PARAMETER_VALUE", .rangeNotSatisfiable)
        case .deadlineExceeded: ("DEADLINE_EXCEEDED", .gatewayTimeout)
        case .temporarilyUnavailable: ("TEMPORARILY_UNAVAILABLE", .serviceUnavailable)
        default: ("INTERNAL_ERROR", .internalServerError)
        }
    }

    static func response(_ error: CairnError) -> Response {
        let (code, status) = wire(error)
        return error.response(code: code, status: status)
    }
}

/// Renders every failure of an MLflow route in MLflow's form; nothing internal reaches the client.
struct MLflowErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let known = CairnError.from(error)
            if known.map({ MLflowError.wire($0).status.code >= 500 }) ?? true {
                context.logger.error("MLflow request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return MLflowError.response(known ?? CairnError(.internalError, "The server could not complete the request."))
        }
    }
}
