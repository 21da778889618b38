public import CairnCore
import Foundation
public import HTTPTypes
public import Hummingbird
import Logging

/// A request body type whose field names are known, so unknown fields are refused instead of silently ignored. Its
/// `CodingKeys` are the one list of accepted fields: what decoding reads is what the check allows.
public protocol StrictBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// Fields that are objects with known keys of their own.
    static var nestedFields: [String: Set<String>] { get }
}

extension StrictBody {
    public static var fields: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }
    public static var nestedFields: [String: Set<String>] { [:] }
}

public enum JSONBody {
    public static func decode<Body: StrictBody>(_ type: Body.Type, from request: Request, context: CairnRequestContext) async throws -> Body {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try decode(type, data: Data(buffer.readableBytesView))
    }

    private static func decode<Body: StrictBody>(_ type: Body.Type, data: Data) throws -> Body {
        guard !data.isEmpty else { throw CairnError.invalid("A JSON body is required.") }
        let raw: JSONValue
        do {
            raw = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw CairnError.invalid("The body is not valid JSON.")
        }
        guard case .object(let members) = raw else { throw CairnError.invalid("The body must be a JSON object.") }
        try check(members, allowed: Body.fields, prefix: "")
        for (field, allowed) in Body.nestedFields {
            if case .object(let nested)? = members[field] { try check(nested, allowed: allowed, prefix: field + ".") }
        }
        return try JSONDecoder().decode(Body.self, from: data)
    }

    /// Like `decode`, but an empty body is allowed (optional bodies such as a decision's comment).
    public static func decodeIfPresent<Body: StrictBody>(_ type: Body.Type, from request: Request, context: CairnRequestContext) async throws -> Body?
    {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try decode(type, data: Data(buffer.readableBytesView))
    }

    private static func check(_ members: [String: JSONValue], allowed: Set<String>, prefix: String) throws(CairnError) {
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .invalid("Unknown field '\(prefix)\(unknown)'. Known fields: \(allowed.sorted().map { prefix + $0 }.joined(separator: ", ")).")
        }
    }
}

extension Response {
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder.stable()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// The same bytes as the `Encodable` overload, written directly (see `JSONWritable`).
    public static func json(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) throws -> Response {
        var writer = JSONWriter()
        value.write(to: &writer)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: writer.buffer))
    }

    public static let noContent = Response(status: .noContent)
}

extension Request {
    /// A query parameter (the first of its name), decoded as `application/x-www-form-urlencoded`: `+` is a space,
    /// as curl's --data-urlencode, Python's requests and every HTML form GET send it.
    public func query(_ name: String) -> String? {
        FormQuery.value(of: name, in: uri.query)
    }

    public func intQuery(_ name: String) throws(CairnError) -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text) else { throw .invalid("'\(name)' must be a whole number.") }
        return value
    }
}

/// The one decoding of URLs for every surface.
public enum FormQuery {
    public static func value(of name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard decode(parts[0]) == name else { continue }
            return parts.count > 1 ? decode(parts[1]) : ""
        }
        return nil
    }

    /// `+` → space, then %XX; a malformed escape is left as it was sent.
    public static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// A path segment: %XX only (`+` is itself in a path).
    public static func decodePath(_ text: String) throws(CairnError) -> String {
        guard let decoded = text.removingPercentEncoding else { throw .invalid("The path has a malformed percent-encoding.") }
        return decoded
    }
}

extension CairnRequestContext {
    /// Path parameters arrive percent-encoded (`fraud%20detector`); every handler gets them decoded, once, here.
    public func pathParameter(_ name: String) throws -> String {
        try FormQuery.decodePath(try parameters.require(name))
    }

    public func versionParameter() throws -> Int {
        let raw = try parameters.require("version")
        guard let version = Int(raw), ModelVersion.numbers.contains(version) else {
            throw CairnError.invalid("'\(raw.prefix(40))' is not a version number.")
        }
        return version
    }
}
