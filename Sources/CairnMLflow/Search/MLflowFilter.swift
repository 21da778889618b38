import CairnCore
import Foundation

/// MLflow's search filter grammar for registered models and model versions, parsed into the registry's clauses:
///
///     name LIKE 'fraud%' AND tag.`mlflow.prompt.is_prompt` != 'true'
///     name = 'x' AND version_number >= 3 AND run_id IN ('a', 'b') AND source_path LIKE 's3://%'
///
/// Clauses are joined by AND only. As MLflow's server does, a search leaves prompts out unless the filter asks for
/// them (`tags.mlflow.prompt.is_prompt = 'true'`): the client appends `!= 'true'` to every model search, and a model
/// without the tag must match it.
struct MLflowFilter {
    enum Entity {
        case registeredModels, modelVersions

        var validKeys: String {
            switch self {
            case .registeredModels: "'{'name'}'"
            case .modelVersions: "'{'name','version_number','run_id','source_path'}'"
            }
        }
    }

    static let promptTag = "mlflow.prompt.is_prompt"

    let clauses: [VersionFilter.Clause]
    let excludesPrompts: Bool

    init(parsing text: String?, for entity: Entity) throws(CairnError) {
        let text = text ?? ""
        guard text.count <= Limits.filterLength else { throw .invalid("The filter is longer than \(Limits.filterLength) characters.") }
        var parser = Parser(Array(text), entity: entity)
        let parsed = try parser.parse()
        guard parsed.count <= Limits.filterClauses else { throw .invalid("A filter may have at most \(Limits.filterClauses) clauses.") }
        let prompt = parsed.filter {
            if case .modelTag(Self.promptTag) = $0.field { true } else if case .versionTag(Self.promptTag) = $0.field { true } else { false }
        }
        let asksForPrompts = prompt.contains { clause in
            guard case .string(let value) = clause.value else { return false }
            return (clause.op == .equal && value.lowercased() == "true") || (clause.op == .notEqual && value.lowercased() == "false")
        }
        if asksForPrompts {
            clauses = parsed
            excludesPrompts = false
        } else {
            clauses = parsed.filter { clause in !prompt.contains(clause) }
            excludesPrompts = true
        }
    }

    private struct Parser {
        let chars: [Character]
        let entity: Entity
        var index = 0

        init(_ chars: [Character], entity: Entity) {
            self.chars = chars
            self.entity = entity
        }

        mutating func parse() throws(CairnError) -> [VersionFilter.Clause] {
            skipSpaces()
            guard index < chars.count else { return [] }
            var clauses = [try clause()]
            while true {
                skipSpaces()
                guard index < chars.count else { return clauses }
                let word = bareWord()
                guard word.uppercased() == "AND" else {
                    throw .invalid("Invalid clause(s) in filter string: \(word.isEmpty ? String(chars[index...].prefix(40)) : word)")
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
            return try value(for: field, op)
        }

        private mutating func field() throws(CairnError) -> VersionFilter.Field {
            let start = index
            var head = bareWord(dots: false)
            var isTag = false
            if peek() == ".", ["attribute", "attributes", "attr", "run", "tag", "tags"].contains(head.lowercased()) {
                index += 1
                isTag = head.lowercased().hasPrefix("tag")
                head = try key()
            } else if head.isEmpty, peek() == "`" {
                head = try key()
            }
            if isTag {
                return entity == .registeredModels ? .modelTag(head) : .versionTag(head)
            }
            switch (entity, head) {
            case (_, "name"): return .name
            case (.modelVersions, "run_id"): return .runID
            case (.modelVersions, "source_path"): return .source
            case (.modelVersions, "version_number"): return .version
            default:
                index = start
                throw .invalid("Invalid attribute key '\(head.prefix(80))' specified. Valid keys are \(entity.validKeys)")
            }
        }

        private mutating func op() throws(CairnError) -> VersionFilter.Operator {
            for (symbol, op) in [
                ("!=", VersionFilter.Operator.notEqual), ("<>", .notEqual), ("<=", .lessOrEqual), (">=", .greaterOrEqual),
                ("=", .equal), ("<", .less), (">", .greater),
            ]
            where matches(symbol) {
                index += symbol.count
                return op
            }
            let word = bareWord(dots: false).uppercased()
            switch word {
            case "LIKE": return .like
            case "ILIKE": return .ilike
            case "IN": return .in
            case "NOT":
                skipSpaces()
                guard bareWord(dots: false).uppercased() == "IN" else { break }
                return .notIn
            default: break
            }
            throw .invalid("Invalid comparator '\(word.isEmpty ? String(chars[index...].prefix(10)) : word)' in filter string.")
        }

        private mutating func value(for field: VersionFilter.Field, _ op: VersionFilter.Operator) throws(CairnError) -> VersionFilter.Clause {
            let comparators: [VersionFilter.Operator]
            switch field {
            case .version: comparators = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
            case .name, .runID: comparators = [.equal, .notEqual, .like, .ilike, .in, .notIn]
            default: comparators = [.equal, .notEqual, .like, .ilike]
            }
            guard comparators.contains(op) else {
                throw .invalid(
                    "Invalid comparator '\(op.rawValue)' not one of '\(comparators.map(\.rawValue).joined(separator: "', '"))' for \(describe(field))."
                )
            }
            if field == .version {
                let start = index
                while let c = peek(), c.isNumber || c == "-" { index += 1 }
                guard let number = Int(String(chars[start..<index])) else {
                    throw .invalid("Invalid value for version_number: it must be an integer, unquoted.")
                }
                return .init(field: field, op: op, value: .integer(number))
            }
            if op == .in || op == .notIn {
                guard peek() == "(" else { throw .invalid("'\(op.rawValue)' expects a list of quoted values, e.g. ('a', 'b').") }
                index += 1
                var items: [String] = []
                while true {
                    skipSpaces()
                    items.append(try quoted())
                    skipSpaces()
                    if peek() == "," { index += 1; continue }
                    guard peek() == ")" else { throw .invalid("'\(op.rawValue)' expects a list of quoted values, e.g. ('a', 'b').") }
                    index += 1
                    return .init(field: field, op: op, value: .strings(items))
                }
            }
            return .init(field: field, op: op, value: .string(try quoted()))
        }

        private mutating func quoted() throws(CairnError) -> String {
            guard let quote = peek(), quote == "'" || quote == "\"" else {
                let start = index
                while let c = peek(), !c.isWhitespace, c != ")", c != "," { index += 1 }
                throw .invalid(
                    "Parameter value is either not quoted or unidentified quote types used for string value \(String(chars[start..<index]).prefix(80)). Use either single or double quotes."
                )
            }
            index += 1
            var out = ""
            while let c = peek() {
                index += 1
                if c == quote {
                    if peek() == quote { out.append(c); index += 1; continue }
                    return out
                }
                out.append(c)
            }
            throw .invalid("Invalid filter string: an unterminated quoted value.")
        }

        private mutating func key() throws(CairnError) -> String {
            if let quote = peek(), quote == "`" || quote == "\"" {
                index += 1
                var out = ""
                while let c = peek() {
                    index += 1
                    if c == quote {
                        guard (1...250).contains(out.count) else { throw .invalid("A tag key must be 1 to 250 characters.") }
                        return out
                    }
                    out.append(c)
                }
                throw .invalid("Invalid filter string: an unterminated quoted key.")
            }
            let word = bareWord(dots: true)
            guard (1...250).contains(word.count) else { throw .invalid("Invalid filter string: expected a key after the prefix.") }
            return word
        }

        private mutating func bareWord(dots: Bool = false) -> String {
            let start = index
            while let c = peek(), c.isLetter || c.isNumber || c == "_" || c == "-" && dots || c == "." && dots { index += 1 }
            return String(chars[start..<index])
        }

        private func describe(_ field: VersionFilter.Field) -> String {
            switch field {
            case .name: "name"
            case .runID: "run_id"
            case .source: "source_path"
            case .version: "version_number"
            case .modelTag(let key), .versionTag(let key): "tag '\(key)'"
            default: "\(field)"
            }
        }

        private func matches(_ symbol: String) -> Bool {
            let s = Array(symbol)
            guard index + s.count <= chars.count else { return false }
            return Array(chars[index..<(index + s.count)]) == s
        }

        private func peek() -> Character? { index < chars.count ? chars[index] : nil }

        private mutating func skipSpaces() { while let c = peek(), c.isWhitespace { index += 1 } }
    }
}

/// MLflow's `order_by`: a list of `"<key> [ASC|DESC]"`.
enum MLflowOrder {
    static func models(_ items: [String]) throws(CairnError) -> [ModelQuery.Term] {
        var terms: [ModelQuery.Term] = []
        for item in items {
            let (word, descending) = try split(item)
            let key: ModelQuery.Key
            switch word {
            case "name": key = .name
            case "timestamp", "last_updated_timestamp": key = .updatedAt
            default: throw .invalid("Invalid order by key '\(word.prefix(80))' specified.Valid keys are '{'name', 'timestamp'}'")
            }
            guard !terms.contains(where: { $0.key == key }) else { throw .invalid("`order_by` contains duplicate fields: \(items)") }
            terms.append(ModelQuery.Term(key: key, descending: descending))
        }
        return terms
    }

    static func versions(_ items: [String]) throws(CairnError) -> VersionOrder {
        guard !items.isEmpty else {
            return try VersionOrder(
                terms: [.init(key: .updatedAt, descending: true), .init(key: .name, descending: false), .init(key: .version, descending: true)])
        }
        var terms: [VersionOrder.Term] = []
        for item in items {
            let (word, descending) = try split(item)
            let key: VersionOrder.Key
            switch word {
            case "name": key = .name
            case "version_number": key = .version
            case "creation_timestamp", "timestamp": key = .createdAt
            case "last_updated_timestamp": key = .updatedAt
            default:
                throw .invalid(
                    "Invalid order by key '\(word.prefix(80))' specified.Valid keys are '{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}'"
                )
            }
            guard !terms.contains(where: { $0.key == key }) else { throw .invalid("`order_by` contains duplicate fields: \(items)") }
            terms.append(VersionOrder.Term(key: key, descending: descending))
        }
        return try VersionOrder(terms: terms)
    }

    private static func split(_ item: String) throws(CairnError) -> (String, Bool) {
        let words = item.split(whereSeparator: \.isWhitespace).map(String.init)
        guard (1...2).contains(words.count) else { throw .invalid("Invalid order_by clause '\(item.prefix(80))'.") }
        var key = words[0]
        for prefix in ["attribute.", "attributes."] where key.lowercased().hasPrefix(prefix) { key = String(key.dropFirst(prefix.count)) }
        key = key.trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        guard words.count == 2 else { return (key, false) }
        switch words[1].uppercased() {
        case "ASC": return (key, false)
        case "DESC": return (key, true)
        default: throw .invalid("Invalid ordering key in order_by clause '\(item.prefix(80))'.")
        }
    }
}
