import CairnCore
import Foundation
import Hummingbird

/// A submitted HTML form (`application/x-www-form-urlencoded`, at most 64 KiB): each field's first value.
struct FormBody {
    private let fields: [String: String]

    init(_ request: Request, context: some RequestContext) async throws {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw CairnError.invalid("The form was not sent as a form (application/x-www-form-urlencoded).")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 64 << 10)
        } catch {
            throw CairnError(.requestTooLarge, "The form is larger than 64 KiB.")
        }
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { throw CairnError.invalid("The form is not valid form encoding.") }
            guard let value = Self.decode(parts.count > 1 ? parts[1] : "") else { throw CairnError.invalid("The form is not valid form encoding.") }
            if fields[name] == nil { fields[name] = value }
        }
        self.fields = fields
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A field the form must have, trimmed; empty counts as missing.
    func required(_ name: String, label: String) throws -> String {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw CairnError.invalid("\(label) is required.")
        }
        return value
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
