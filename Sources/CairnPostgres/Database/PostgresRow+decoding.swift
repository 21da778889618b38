import CairnCore
import Foundation
import PostgresNIO

extension PostgresRandomAccessRow {
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }

    /// A column the query produced with `::text` from jsonb.
    func json<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try value(column, as: String.self).utf8))
    }

    /// A jsonb object as text; the empty object, the common case, without a decoder.
    func jsonObject(_ text: String) throws -> JSONObject {
        text == "{}" ? [:] : try JSONDecoder().decode(JSONObject.self, from: Data(text.utf8))
    }

    /// A flat text[] of (dataset, key, value) triples.
    func metrics(_ flat: [String]) throws -> [Metric] {
        guard flat.count % 3 == 0 else { throw DecodingFailure("metrics are not a list of (dataset, key, value) triples") }
        return try stride(from: 0, to: flat.count, by: 3).map { i in
            guard let number = Double(flat[i + 2]) else { throw DecodingFailure("metric value '\(flat[i + 2])' is not a number") }
            return Metric(dataset: flat[i], key: flat[i + 1], value: number)
        }
    }

    /// A flat text[] of (key, value) pairs.
    func pairs(_ flat: [String]) throws -> [String: String] {
        guard flat.count % 2 == 0 else { throw DecodingFailure("tags are not a list of (key, value) pairs") }
        var pairs: [String: String] = [:]
        pairs.reserveCapacity(flat.count / 2)
        for i in stride(from: 0, to: flat.count, by: 2) { pairs[flat[i]] = flat[i + 1] }
        return pairs
    }
}

struct DecodingFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum JSONText {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
