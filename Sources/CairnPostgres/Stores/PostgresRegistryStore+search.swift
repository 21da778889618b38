public import CairnCore
import Foundation
public import Logging
import PostgresNIO

extension PostgresRegistryStore {
    public func searchVersions(_ query: VersionQuery, in tenant: Tenant, logger: Logger) async throws -> VersionPage {
        let fingerprint = query.fingerprint(tenant: tenant)
        let position = try query.pageToken.map { token throws(CairnError) in
            try PageToken.decode(token, fingerprint: fingerprint, positionCount: SearchSQL.columns(for: query).count).position
        }
        let (text, binds) = try Self.searchStatement(query, after: position)
        let cursorNames = (0..<SearchSQL.columns(for: query).count).map { "cursor_\($0)" }
        // Only the page's last row's position makes the next token; the over-fetched row says whether there is more.
        let lastIndex = query.maxResults - 1
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            func read(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws -> ([ModelVersion], [String]) {
                var versions: [ModelVersion] = []
                versions.reserveCapacity(min(query.maxResults + 1, 1_024))
                var last: [String] = []
                for try await row in rows {
                    let access = row.makeRandomAccess()
                    if versions.count == lastIndex { last = try cursorNames.map { try access.value($0) } }
                    versions.append(try Self.version(from: access))
                }
                return (versions, last)
            }
            var (versions, last): ([ModelVersion], [String])
            switch text {
            case ListingShape.FirstPage.sql:
                (versions, last) = try await read(connection.execute(Listing<ListingShape.FirstPage>(binds: binds), logger: logger))
            case ListingShape.NextPage.sql:
                (versions, last) = try await read(connection.execute(Listing<ListingShape.NextPage>(binds: binds), logger: logger))
            default: (versions, last) = try await read(connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger))
            }
            if versions.isEmpty, let name = query.modelName { _ = try await Self.model(named: name, on: connection, logger: logger) }
            guard versions.count > query.maxResults else { return VersionPage(versions: versions, nextPageToken: nil) }
            versions.removeLast()
            let token = PageToken(position: last).encode(fingerprint: fingerprint)
            return VersionPage(versions: versions, nextPageToken: token)
        }
    }

    /// The statement's text and its bound values: every value is bound, the limit too, so every query of one shape
    /// (same filter fields and operators, order, first page or not) has the same text.
    static func searchStatement(_ query: VersionQuery, after position: [String]?) throws -> (String, PostgresBindings) {
        var sql = SearchSQL()
        // The model by name in the same statement, as a scalar subquery so the plan walks that model's versions in
        // index order; only an empty page asks whether the model exists at all.
        var model = "v.model_id"
        if let name = query.modelName {
            sql.conditions.append(
                "v.model_id = (SELECT id FROM cairn.registered_models WHERE name = \(try sql.bind(ModelName.lookupForm(name))))")
        } else if let name = SearchSQL.pinnedName(query) {
            // A filter that names one model exactly (MLflow's `search_model_versions("name='x'")`) walks that model's
            // versions in index order too, and asks the prompt question once for the model, not once per version.
            model = "(SELECT id FROM cairn.registered_models WHERE name = \(try sql.bind(name)))"
            sql.conditions.append("v.model_id = \(model)")
        }
        for clause in query.filter.clauses { try sql.add(clause) }
        if query.excludesPrompts { sql.conditions.append(SearchSQL.notPrompt(versionsOf: model)) }
        let (cursor, order) = try sql.keyset(SearchSQL.columns(for: query), after: position)
        let text = """
            SELECT \(versionColumns), \(cursor) FROM \(versionSource)
            WHERE \(sql.conditions.isEmpty ? "TRUE" : sql.conditions.joined(separator: " AND "))
            ORDER BY \(order) LIMIT \(try sql.bind(query.maxResults + 1))
            """
        return (text, sql.binds)
    }
}

/// The shapes of the most frequent listing — one model's versions, newest first, no filter — prepared once per
/// connection: planning a page of versions costs about as much as running it. Any other query runs unnamed.
enum ListingShape {
    protocol Shape { static var sql: String { get } }
    enum FirstPage: Shape {
        static let sql = text(after: nil)
    }
    enum NextPage: Shape {
        static let sql = text(after: ["0", "00000000-0000-0000-0000-000000000000", "1"])
    }

    private static func text(after position: [String]?) -> String {
        do {
            let query = try VersionQuery(modelName: "model", filter: nil, orderBy: nil, maxResults: nil, pageToken: nil)
            return try PostgresRegistryStore.searchStatement(query, after: position).0
        } catch {
            preconditionFailure("the listing shape does not build: \(error)")
        }
    }
}

struct Listing<Shape: ListingShape.Shape>: PostgresPreparedStatement {
    static var sql: String { Shape.sql }
    static var name: String { "Listing\(Shape.self)" }
    typealias Row = PostgresRow
    let binds: PostgresBindings

    func makeBindings() throws -> PostgresBindings { binds }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Builds the WHERE clause of a version search. Every value is a bound parameter; only fixed SQL fragments chosen
/// by the parsed filter's field and operator are spliced in.
struct SearchSQL {
    var conditions: [String] = []
    var binds = PostgresBindings()
    private var count = 0

    mutating func bind(_ value: some PostgresEncodable) throws -> String {
        try binds.append(value)
        count += 1
        return "$\(count)"
    }

    mutating func add(_ clause: VersionFilter.Clause) throws {
        let rhs = try compare(clause.op, clause.value)
        switch clause.field {
        case .name: conditions.append("m.name \(rhs)")
        case .owner: conditions.append("m.owner \(rhs)")
        case .stage: conditions.append("v.stage \(rhs)")
        case .status: conditions.append("v.status \(rhs)")
        case .runID: conditions.append("v.run_id \(rhs)")
        case .source: conditions.append("v.source \(rhs)")
        case .createdBy: conditions.append("v.created_by \(rhs)")
        case .version: conditions.append("v.version \(rhs)")
        case .createdAt: conditions.append("v.created_at \(rhs)")
        case .reviewOverdue: conditions.append("(v.review_due IS NOT NULL AND v.review_due < current_date) \(rhs)")
        case .versionTag(let key):
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.model_version_tags t WHERE t.tenant_id = v.tenant_id AND t.model_id = v.model_id
                        AND t.version = v.version AND t.key = \(try bind(key)) AND t.value \(rhs))
                """)
        case .modelTag(let key):
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.registered_model_tags t WHERE t.tenant_id = m.tenant_id AND t.model_id = m.id
                        AND t.key = \(try bind(key)) AND t.value \(rhs))
                """)
        case .metric(let key, let dataset):
            let datasetCondition = try dataset.map { "AND x.dataset = \(try bind($0))" } ?? ""
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.version_metrics x WHERE x.tenant_id = v.tenant_id AND x.model_id = v.model_id
                        AND x.version = v.version AND x.key = \(try bind(key)) \(datasetCondition) AND x.value \(rhs))
                """)
        }
    }

    /// One sort column of a keyset: how to select it as cursor text and how to read a cursor value back.
    struct SortColumn {
        let expression: String
        let descending: Bool
        /// The cursor's text form of the column.
        let cursor: String
        /// Binds a cursor value back in the column's type (nil: the token is not one of ours).
        let value: (String, inout SearchSQL) throws -> String?

        static func timestamp(_ column: String, descending: Bool) -> SortColumn {
            SortColumn(
                expression: column, descending: descending, cursor: "(extract(epoch FROM \(column)) * 1000000)::bigint::text",
                value: { text, sql in
                    try Int64(text).map { "('epoch'::timestamptz + \(try sql.bind($0)) * interval '1 microsecond')" }
                })
        }

        static func text(_ column: String, descending: Bool) -> SortColumn {
            SortColumn(expression: column, descending: descending, cursor: column, value: { text, sql in try sql.bind(text) })
        }

        static func integer(_ column: String, descending: Bool) -> SortColumn {
            SortColumn(
                expression: column, descending: descending, cursor: "\(column)::text", value: { text, sql in try Int(text).map { try sql.bind($0) } })
        }

        static func uuid(_ column: String, descending: Bool) -> SortColumn {
            SortColumn(
                expression: column, descending: descending, cursor: "\(column)::text",
                value: { text, sql in try UUID(uuidString: text).map { try sql.bind($0) } })
        }
    }

    /// The one model an exact `name = '…'` clause of the filter pins, when no model name scopes the query already.
    static func pinnedName(_ query: VersionQuery) -> String? {
        guard query.modelName == nil else { return nil }
        for clause in query.filter.clauses {
            if case .name = clause.field, clause.op == .equal, case .string(let name) = clause.value { return name }
        }
        return nil
    }

    /// The query's sort columns; with the model pinned by the filter, the model's name is the same on every row and
    /// drops out, so the order is one an index on the model's versions serves.
    static func columns(for query: VersionQuery) -> [SortColumn] {
        columns(query.order, modelPinned: pinnedName(query) != nil)
    }

    /// A version order's columns: its terms, then the model and the version number (unique together) unless a term
    /// already names them (or the model is pinned), in the direction of the last term.
    static func columns(_ order: VersionOrder, modelPinned: Bool = false) -> [SortColumn] {
        var columns: [SortColumn] = []
        var keys = Set<String>(modelPinned ? ["model"] : [])
        for term in order.terms {
            if modelPinned, term.key == .name { continue }
            switch term.key {
            case .createdAt: columns.append(.timestamp("v.created_at", descending: term.descending))
            case .updatedAt: columns.append(.timestamp("v.updated_at", descending: term.descending))
            case .name: columns.append(.text("m.name", descending: term.descending))
            case .version: columns.append(.integer("v.version", descending: term.descending))
            }
            keys.insert(term.key == .name ? "model" : term.key.rawValue)
        }
        let last = order.terms[order.terms.count - 1].descending
        if !keys.contains("model") { columns.append(.uuid("v.model_id", descending: last)) }
        if !keys.contains(VersionOrder.Key.version.rawValue) { columns.append(.integer("v.version", descending: last)) }
        return columns
    }

    /// The cursor columns to select (`cursor_0`…) and the ORDER BY; adds the "after this position" condition. With
    /// one direction throughout, a row comparison (which an index serves); with mixed directions, its expansion.
    mutating func keyset(_ columns: [SortColumn], after position: [String]?) throws -> (cursor: String, order: String) {
        if let position {
            let invalid = CairnError.invalid("Invalid page_token: it does not belong to this query. Start again without page_token.")
            guard position.count == columns.count else { throw invalid }
            var values: [String] = []
            for (column, text) in zip(columns, position) {
                guard let value = try column.value(text, &self) else { throw invalid }
                values.append(value)
            }
            if Set(columns.map(\.descending)).count == 1 {
                let cmp = columns[0].descending ? "<" : ">"
                conditions.append(
                    "(\(columns.map(\.expression).joined(separator: ", "))) \(cmp) (\(values.joined(separator: ", ")))")
            } else {
                var alternatives: [String] = []
                for index in columns.indices {
                    var parts = (0..<index).map { "\(columns[$0].expression) = \(values[$0])" }
                    parts.append("\(columns[index].expression) \(columns[index].descending ? "<" : ">") \(values[index])")
                    alternatives.append("(" + parts.joined(separator: " AND ") + ")")
                }
                conditions.append("(" + alternatives.joined(separator: " OR ") + ")")
            }
        }
        let cursor = columns.enumerated().map { "\($1.cursor) AS cursor_\($0)" }.joined(separator: ", ")
        let order = columns.map { "\($0.expression) \($0.descending ? "DESC" : "ASC")" }.joined(separator: ", ")
        return (cursor, order)
    }

    /// MLflow's prompt exclusion: no version of the model is tagged `mlflow.prompt.is_prompt = 'true'`.
    static func notPrompt(versionsOf model: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM cairn.model_version_tags p WHERE p.model_id = \(model)
                    AND p.key = 'mlflow.prompt.is_prompt' AND p.value = 'true')
        """
    }

    mutating func bind(_ value: VersionFilter.Value) throws -> String {
        switch value {
        case .string(let s): try bind(s)
        case .strings(let list): try bind(list)
        case .number(let n): try bind(n)
        case .integer(let i): try bind(i)
        case .time(let t): try bind(t)
        case .bool(let b): try bind(b)
        }
    }

    /// The operator and its right-hand side: a list is compared with `= ANY` / `<> ALL`.
    private mutating func compare(_ op: VersionFilter.Operator, _ value: VersionFilter.Value) throws -> String {
        switch op {
        case .notEqual: "<> \(try bind(value))"
        case .in: "= ANY(\(try bind(value))::text[])"
        case .notIn: "<> ALL(\(try bind(value))::text[])"
        default: "\(op.rawValue) \(try bind(value))"
        }
    }
}
