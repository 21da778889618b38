public import Foundation

/// A parsed `filter` for version search: clauses joined by AND.
///
///     name = 'fraud' AND stage = 'Production' AND metrics.accuracy > 0.9
///     metrics.auc@holdout-2024 >= 0.8 AND tags.team = 'risk' AND created_at >= '2026-01-01T00:00:00Z'
///     model_tags.domain LIKE 'credit%' AND owner = 'risk-ml' AND version > 3
///
/// Fields: name, owner, stage, status, run_id, created_by, version, created_at, tags.<key>, model_tags.<key>,
/// metrics.<key>[@<dataset>]. Keys and datasets are bare ([A-Za-z0-9_./:-]) or `back-quoted`.
public struct VersionFilter: Sendable, Equatable {
    public enum Field: Sendable, Equatable {
        case name, owner, stage, status, runID, createdBy, version, createdAt
        /// The version's `source` (MLflow's `source_path`).
        case source
        /// The model card's review date has passed.
        case reviewOverdue
        case versionTag(String)
        case modelTag(String)
        case metric(key: String, dataset: String?)
    }

    public enum Operator: String, Sendable, Equatable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case like = "LIKE"
        case ilike = "ILIKE"
        /// With a `.strings` value (MLflow's `IN (...)`; the native grammar has no lists).
        case `in` = "IN"
        case notIn = "NOT IN"
    }

    public enum Value: Sendable, Equatable {
        case string(String)
        case number(Double)
        case integer(Int)
        case time(Date)
        case bool(Bool)
        case strings([String])
    }

    public struct Clause: Sendable, Equatable {
        public let field: Field
        public let op: Operator
        public let value: Value

        public init(field: Field, op: Operator, value: Value) {
            self.field = field
            self.op = op
            self.value = value
        }
    }

    public let clauses: [Clause]

    public static let empty = VersionFilter(clauses: [])

    /// Clauses another surface's grammar parsed (e.g. MLflow's); the store runs them as it runs the native ones.
    public init(clauses: [Clause]) { self.clauses = clauses }

    public init(parsing text: String) throws(CairnError) {
        guard text.count <= Limits.filterLength else { throw .invalid("The filter is longer than \(Limits.filterLength) characters.") }
        var parser = FilterParser(text)
        self.clauses = try parser.parse()
        guard clauses.count <= Limits.filterClauses else { throw .invalid("A filter may have at most \(Limits.filterClauses) clauses.") }
    }
}

struct FilterParser {
    private let chars: [Character]
    private var index = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parse() throws(CairnError) -> [VersionFilter.Clause] {
        skipSpaces()
        if index == chars.count { return [] }
        var clauses = [try clause()]
        while true {
            skipSpaces()
            if index == chars.count { return clauses }
            let word = identifier()
            guard word.uppercased() == "AND" else {
                throw fail("expected AND between clauses, found '\(word.isEmpty ? String(chars[index]) : word)'")
            }
            clauses.append(try clause())
        }
    }

    private mutating func clause() throws(CairnError) -> VersionFilter.Clause {
        skipSpaces()
        let field = try self.field()
        skipSpaces()
        let op = try self.op()
        skipSpaces()
        let literal = try self.literal()
        return try typed(field, op, literal)
    }

    private mutating func field() throws(CairnError) -> VersionFilter.Field {
        let start = index
        let head = identifier(allowDots: false)
        switch head.lowercased() {
        case "name": return .name
        case "owner": return .owner
        case "stage", "current_stage": return .stage
        case "status": return .status
        case "run_id": return .runID
        case "created_by": return .createdBy
        case "version": return .version
        case "created_at", "creation_timestamp": return .createdAt
        case "review_overdue": return .reviewOverdue
        case "tags", "tag", "model_tags", "metrics", "metric":
            guard peek() == "." else { throw fail("expected '.' and a key after '\(head)'") }
            index += 1
            let key = try quotedOrBare()
            switch head.lowercased() {
            case "tags", "tag": return .versionTag(key)
            case "model_tags": return .modelTag(key)
            default:
                var dataset: String?
                if peek() == "@" {
                    index += 1
                    dataset = try quotedOrBare()
                }
                return .metric(key: key, dataset: dataset)
            }
        default:
            index = start
            throw fail(head.isEmpty ? "expected a field name" : "unknown field '\(head)'")
        }
    }

    private mutating func op() throws(CairnError) -> VersionFilter.Operator {
        for symbol in ["!=", "<=", ">=", "=", "<", ">"] where matches(symbol) {
            index += symbol.count
            return VersionFilter.Operator(rawValue: symbol)!
        }
        let word = identifier().uppercased()
        if word == "LIKE" { return .like }
        if word == "ILIKE" { return .ilike }
        throw fail("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE)")
    }

    private enum Literal { case string(String), number(String), word(String) }

    private mutating func literal() throws(CairnError) -> Literal {
        guard let c = peek() else { throw fail("expected a value") }
        if c == "'" || c == "\"" {
            index += 1
            var out = ""
            while let ch = peek() {
                index += 1
                if ch == c {
                    if peek() == c { out.append(c); index += 1; continue }
                    return .string(out)
                }
                out.append(ch)
            }
            throw fail("unterminated string")
        }
        if c.isLetter {
            return .word(identifier())
        }
        let start = index
        while let ch = peek(), ch.isNumber || "+-.eE".contains(ch) { index += 1 }
        guard index > start else { throw fail("expected a quoted string or a number") }
        return .number(String(chars[start..<index]))
    }

    private func typed(_ field: VersionFilter.Field, _ op: VersionFilter.Operator, _ literal: Literal) throws(CairnError) -> VersionFilter.Clause {
        let isOrdering = [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(op)
        let isPattern = op == .like || op == .ilike
        switch field {
        case .name, .owner, .runID, .source, .createdBy, .versionTag, .modelTag, .stage, .status:
            guard case .string(let s) = literal else { throw fail("\(describe(field)) compares with a quoted string") }
            guard !isOrdering else { throw fail("\(describe(field)) supports =, !=, LIKE and ILIKE") }
            if field == .stage {
                guard !isPattern else { throw fail("stage supports = and !=") }
                return .init(field: field, op: op, value: .string(try Stage(validating: s).rawValue))
            }
            if field == .status {
                guard !isPattern else { throw fail("status supports = and !=") }
                return .init(field: field, op: op, value: .string(try VersionStatus(validating: s).rawValue))
            }
            return .init(field: field, op: op, value: .string(s))
        case .version:
            guard case .number(let n) = literal, let v = Int(n) else { throw fail("version compares with a whole number") }
            guard !isPattern else { throw fail("version supports =, !=, <, <=, >, >=") }
            return .init(field: field, op: op, value: .integer(v))
        case .metric:
            guard case .number(let n) = literal, let v = Double(n), v.isFinite else { throw fail("\(describe(field)) compares with a number") }
            guard !isPattern else { throw fail("metrics support =, !=, <, <=, >, >=") }
            return .init(field: field, op: op, value: .number(v))
        case .reviewOverdue:
            guard case .word(let w) = literal, ["true", "false"].contains(w.lowercased()) else {
                throw fail("review_overdue compares with true or false")
            }
            guard op == .equal || op == .notEqual else { throw fail("review_overdue supports = and !=") }
            return .init(field: field, op: op, value: .bool(w.lowercased() == "true"))
        case .createdAt:
            guard case .string(let s) = literal, let date = RFC3339.parse(s) else {
                throw fail("created_at compares with a quoted RFC 3339 time, e.g. '2026-01-31T00:00:00Z'")
            }
            guard !isPattern else { throw fail("created_at supports =, !=, <, <=, >, >=") }
            return .init(field: field, op: op, value: .time(date))
        }
    }

    private func describe(_ field: VersionFilter.Field) -> String {
        switch field {
        case .versionTag(let k): "tags.\(k)"
        case .modelTag(let k): "model_tags.\(k)"
        case .metric(let k, _): "metrics.\(k)"
        default: "\(field)"
        }
    }

    private mutating func quotedOrBare() throws(CairnError) -> String {
        if peek() == "`" {
            index += 1
            var out = ""
            while let ch = peek() {
                index += 1
                if ch == "`" {
                    guard !out.isEmpty, out.count <= 250 else { throw fail("a key must be 1 to 250 characters") }
                    return out
                }
                out.append(ch)
            }
            throw fail("unterminated `quoted key`")
        }
        let start = index
        while let ch = peek(), ch.isLetter || ch.isNumber || "_-./:".contains(ch) { index += 1 }
        guard index > start else { throw fail("expected a key") }
        guard index - start <= 250 else { throw fail("a key must be at most 250 characters") }
        return String(chars[start..<index])
    }

    private mutating func identifier(allowDots: Bool = false) -> String {
        let start = index
        while let ch = peek(), ch.isLetter || ch.isNumber || ch == "_" || (allowDots && ch == ".") { index += 1 }
        return String(chars[start..<index])
    }

    private func matches(_ symbol: String) -> Bool {
        let s = Array(symbol)
        guard index + s.count <= chars.count else { return false }
        return Array(chars[index..<(index + s.count)]) == s
    }

    private func peek() -> Character? { index < chars.count ? chars[index] : nil }

    private mutating func skipSpaces() { while let c = peek(), c.isWhitespace { index += 1 } }

    private func fail(_ message: String) -> CairnError {
        .invalid("Invalid filter at character \(index + 1): \(message).")
    }
}
