import Foundation

/// The one error type the domain speaks. Codes follow MLflow's `error_code` strings; each HTTP surface maps them to statuses in one place.
public struct CairnError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidParameterValue = Code(rawValue: "INVALID_PARAMETER_VALUE")
        public static let unauthenticated = Code(rawValue: "UNAUTHENTICATED")
        public static let permissionDenied = Code(rawValue: "PERMISSION_DENIED")
        public static let resourceDoesNotExist = Code(rawValue: "RESOURCE_DOES_NOT_EXIST")
        public static let resourceAlreadyExists = Code(rawValue: "RESOURCE_ALREADY_EXISTS")
        public static let invalidState = Code(rawValue: "INVALID_STATE")
        /// The object's record remains but its content was purged.
        public static let gone = Code(rawValue: "RESOURCE_GONE")
        public static let requestLimitExceeded = Code(rawValue: "REQUEST_LIMIT_EXCEEDED")
        public static let requestTooLarge = Code(rawValue: "REQUEST_TOO_LARGE")
        public static let rangeNotSatisfiable = Code(rawValue: "RANGE_NOT_SATISFIABLE")
        public static let deadlineExceeded = Code(rawValue: "DEADLINE_EXCEEDED")
        public static let temporarilyUnavailable = Code(rawValue: "TEMPORARILY_UNAVAILABLE")
        public static let endpointNotFound = Code(rawValue: "ENDPOINT_NOT_FOUND")
        public static let internalError = Code(rawValue: "INTERNAL_ERROR")
    }

    public let code: Code
    public let message: String
    /// Seconds after which a retry may succeed (throttling), sent as `Retry-After`.
    public let retryAfter: Int?
    /// The full length of the resource a range was asked of, sent as `Content-Range: bytes */<size>`.
    public let resourceSize: Int64?

    public init(_ code: Code, _ message: String, retryAfter: Int? = nil, resourceSize: Int64? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.resourceSize = resourceSize
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalid(_ message: String) -> CairnError { CairnError(.invalidParameterValue, message) }
    public static func notFound(_ message: String) -> CairnError { CairnError(.resourceDoesNotExist, message) }
    public static func alreadyExists(_ message: String) -> CairnError { CairnError(.resourceAlreadyExists, message) }
    public static func denied(_ message: String) -> CairnError { CairnError(.permissionDenied, message) }
    public static let unauthenticated = CairnError(.unauthenticated, "Valid credentials are required.")
}
