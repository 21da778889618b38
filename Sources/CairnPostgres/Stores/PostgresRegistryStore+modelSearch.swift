public import CairnCore
public import Foundation
public import Logging
import PostgresNIO

extension PostgresRegistryStore {
    public func searchModels(_ query: ModelQuery, in tenant: Tenant, logger: Logger) async throws -> ModelPage {
        let columns = query.order.map { term in
            switch term.key {
            case .name: SearchSQL.SortColumn.text("m.name", descending: term.descending)
            case .updatedAt: SearchSQL.SortColumn.timestamp("m.updated_at", descending: term.descending)
            }
        }
        let fingerprint = query.fingerprint(tenant: tenant)
        let position = try query.pageToken.map { token throws(CairnError) in
            try PageToken.decode(token, fingerprint: fingerprint, positionCount: columns.count).position
        }
        var sql = SearchSQL()
        for clause in query.clauses { try sql.add(clause) }
        if query.excludesPrompts {
            sql.conditions.append(
                """
                NOT EXISTS (SELECT 1 FROM cairn.registered_model_tags p WHERE p.model_id = m.id
                            AND p.key = 'mlflow.prompt.is_prompt' AND p.value = 'true')
                """)
        }
        let (cursor, order) = try sql.keyset(columns, after: position)
        let text = """
            SELECT \(Self.modelColumns), \(cursor) FROM cairn.registered_models m
            WHERE \(sql.conditions.isEmpty ? "TRUE" : sql.conditions.joined(separator: " AND "))
            ORDER BY \(order) LIMIT \(try sql.bind(query.maxResults + 1))
            """
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            var models: [RegisteredModel] = []
            var positions: [[String]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: text, binds: sql.binds), logger: logger) {
                let access = row.makeRandomAccess()
                models.append(try Self.model(from: access))
                positions.append(try columns.indices.map { try access.value("cursor_\($0)") })
            }
            guard models.count > query.maxResults else { return ModelPage(models: models, nextPageToken: nil) }
            models.removeLast()
            return ModelPage(models: models, nextPageToken: PageToken(position: positions[models.count - 1]).encode(fingerprint: fingerprint))
        }
    }

    public func latestVersions(ofModels ids: [UUID], in tenant: Tenant, logger: Logger) async throws -> [ModelVersion] {
        guard !ids.isEmpty else { return [] }
        return try await database.withTenant(tenant.id, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT DISTINCT ON (v.model_id, v.stage) \(unescaped: Self.versionColumns) FROM \(unescaped: Self.versionSource)
                WHERE v.model_id = ANY(\(ids)::uuid[])
                ORDER BY v.model_id, v.stage, v.version DESC
                """, logger: logger)
            var versions: [ModelVersion] = []
            for try await row in rows { versions.append(try Self.version(from: row.makeRandomAccess())) }
            return versions
        }
    }
}
