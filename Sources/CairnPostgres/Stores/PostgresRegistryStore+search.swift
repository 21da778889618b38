public import CairnCore
import Foundation
public import Logging
import PostgresNIO

extension PostgresRegistryStore {
    public func searchVersions(_ query: VersionQuery, in tenant: Tenant, logger: Logger) async throws -> VersionPage {
        let fingerprint = query.fingerprint(tenant: tenant)
        let position = try query.pageToken.map { token throws(CairnError) in
            try PageToken.decode(token, fingerprint: fingerprint, positionCount: 3).position
        }
        let (text, binds) = try Self.searchStatement(query, after: position)
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            var versions: [ModelVersion] = []
            var positions: [[String]] = []
            func read(_ rows: some AsyncSequence<PostgresRow, any Error>) async throws {
                for try await row in rows {
                    let access = row.makeRandomAccess()
                    versions.append(try Self.version(from: access))
                    positions.append([try access.value("cursor_0"), try access.value("cursor_1"), try access.value("cursor_2")])
                }
            }
            switch text {
            case ListingShape.FirstPage.sql: try await read(connection.execute(Listing<ListingShape.FirstPage>(binds: binds), logger: logger))
            case ListingShape.NextPage.sql: try await read(connection.execute(Listing<ListingShape.NextPage>(binds: binds), logger: logger))
            default: try await read(connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger))
            }
            if versions.isEmpty, let name = query.modelName { _ = try await Self.model(named: name, on: connection, logger: logger) }
            guard versions.count > query.maxResults else { return VersionPage(versions: versions, nextPageToken: nil) }
            versions.removeLast()
            let token = PageToken(position: positions[versions.count - 1]).encode(fingerprint: fingerprint)
            return VersionPage(versions: versions, nextPageToken: token)
        }
    }

    /// The statement's text and its bound values: every value is bound, the limit too, so every query of one shape
    /// (same filter fields and operators, order, first page or not) has the same text.
    static func searchStatement(_ query: VersionQuery, after position: [String]?) throws -> (String, PostgresBindings) {
        var sql = SearchSQL()
        // The model by name in the same statement, as a scalar subquery so the plan walks that model's versions in
        // index order; only an empty page asks whether the model exists at all.
        if let name = query.modelName {
            sql.conditions.append(
                "v.model_id = (SELECT id FROM cairn.registered_models WHERE name = \(try sql.bind(ModelName.lookupForm(name))))")
        }
        for clause in query.filter.clauses { try sql.add(clause) }
        let (cursor, order) = try sql.keyset(query.order, after: position)
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
        let op = Self.sql(clause.op)
        switch clause.field {
        case .name: conditions.append("m.name \(op) \(try bind(clause.value))")
        case .owner: conditions.append("m.owner \(op) \(try bind(clause.value))")
        case .stage: conditions.append("v.stage \(op) \(try bind(clause.value))")
        case .status: conditions.append("v.status \(op) \(try bind(clause.value))")
        case .runID: conditions.append("v.run_id \(op) \(try bind(clause.value))")
        case .createdBy: conditions.append("v.created_by \(op) \(try bind(clause.value))")
        case .version: conditions.append("v.version \(op) \(try bind(clause.value))")
        case .createdAt: conditions.append("v.created_at \(op) \(try bind(clause.value))")
        case .reviewOverdue: conditions.append("(v.review_due IS NOT NULL AND v.review_due < current_date) \(op) \(try bind(clause.value))")
        case .versionTag(let key):
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.model_version_tags t WHERE t.tenant_id = v.tenant_id AND t.model_id = v.model_id
                        AND t.version = v.version AND t.key = \(try bind(key)) AND t.value \(op) \(try bind(clause.value)))
                """)
        case .modelTag(let key):
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.registered_model_tags t WHERE t.tenant_id = v.tenant_id AND t.model_id = v.model_id
                        AND t.key = \(try bind(key)) AND t.value \(op) \(try bind(clause.value)))
                """)
        case .metric(let key, let dataset):
            let datasetCondition = try dataset.map { "AND x.dataset = \(try bind($0))" } ?? ""
            conditions.append(
                """
                EXISTS (SELECT 1 FROM cairn.version_metrics x WHERE x.tenant_id = v.tenant_id AND x.model_id = v.model_id
                        AND x.version = v.version AND x.key = \(try bind(key)) \(datasetCondition) AND x.value \(op) \(try bind(clause.value)))
                """)
        }
    }

    /// The cursor columns to select, and the ORDER BY, for the order; adds the "after this position" condition.
    mutating func keyset(_ order: VersionOrder, after position: [String]?) throws -> (cursor: String, order: String) {
        let dir = order.descending ? "DESC" : "ASC"
        let cmp = order.descending ? "<" : ">"
        let invalid = CairnError.invalid("Invalid page_token: it does not belong to this query. Start again without page_token.")
        switch order.key {
        case .createdAt:
            if let p = position {
                guard let micros = Int64(p[0]), let model = UUID(uuidString: p[1]), let version = Int(p[2]) else { throw invalid }
                conditions.append(
                    "(v.created_at, v.model_id, v.version) \(cmp) ('epoch'::timestamptz + \(try bind(micros)) * interval '1 microsecond', \(try bind(model)), \(try bind(version)))"
                )
            }
            return (
                "(extract(epoch FROM v.created_at) * 1000000)::bigint::text AS cursor_0, v.model_id::text AS cursor_1, v.version::text AS cursor_2",
                "v.created_at \(dir), v.model_id \(dir), v.version \(dir)"
            )
        case .name:
            if let p = position {
                guard let version = Int(p[1]) else { throw invalid }
                conditions.append("(m.name, v.version) \(cmp) (\(try bind(p[0])), \(try bind(version)))")
            }
            return ("m.name AS cursor_0, v.version::text AS cursor_1, ''::text AS cursor_2", "m.name \(dir), v.version \(dir)")
        case .version:
            if let p = position {
                guard let version = Int(p[0]), let model = UUID(uuidString: p[1]) else { throw invalid }
                conditions.append("(v.version, v.model_id) \(cmp) (\(try bind(version)), \(try bind(model)))")
            }
            return ("v.version::text AS cursor_0, v.model_id::text AS cursor_1, ''::text AS cursor_2", "v.version \(dir), v.model_id \(dir)")
        }
    }

    private mutating func bind(_ value: VersionFilter.Value) throws -> String {
        switch value {
        case .string(let s): try bind(s)
        case .number(let n): try bind(n)
        case .integer(let i): try bind(i)
        case .time(let t): try bind(t)
        case .bool(let b): try bind(b)
        }
    }

    private static func sql(_ op: VersionFilter.Operator) -> String {
        op == .notEqual ? "<>" : op.rawValue
    }
}
