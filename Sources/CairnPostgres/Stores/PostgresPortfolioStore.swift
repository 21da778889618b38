public import CairnCore
import Foundation
public import Logging
import PostgresNIO

/// The dashboard's numbers: counts from one statement (one snapshot, so they agree with each other), Production
/// versions with where they serve now, and the latest stage changes and deployments from the event outbox.
public struct PostgresPortfolioStore: PortfolioStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func portfolio(in tenant: Tenant, logger: Logger) async throws -> Portfolio {
        try await database.withTenant(tenant.id, logger: logger) { connection in
            let counts = try await connection.query(
                """
                SELECT (SELECT count(*)::int FROM cairn.registered_models),
                       (SELECT count(*)::int FROM cairn.transition_requests WHERE status = 'pending'),
                       (SELECT count(*)::int FROM cairn.model_versions WHERE stage = 'Production' AND review_due < current_date),
                       coalesce((SELECT jsonb_object_agg(stage, n)::text FROM (
                           SELECT stage, count(*)::int AS n FROM cairn.model_versions GROUP BY stage) AS s), '{}')
                """, logger: logger
            ).decode((Int, Int, Int, String).self).first { _ in true }
            guard let (models, pending, overdue, stagesText) = counts else { throw CairnError(.internalError, "The portfolio counts are missing.") }
            let byStage = try JSONDecoder().decode([String: Int].self, from: Data(stagesText.utf8))
            var versionsByStage: [Stage: Int] = [:]
            for stage in Stage.allCases { versionsByStage[stage] = byStage[stage.rawValue] ?? 0 }

            let rows = try await connection.query(
                """
                SELECT m.name, v.version, coalesce(m.owner, v.model_card->>'owner'), v.updated_at, v.review_due::timestamptz,
                       coalesce(v.review_due < current_date, false),
                       coalesce((SELECT array_agg(d.environment || ' / ' || d.target ORDER BY d.environment, d.target)
                                 FROM cairn.deployments d
                                 WHERE d.model_id = v.model_id AND d.version = v.version AND upper_inf(d.serving)), '{}')
                FROM cairn.model_versions v JOIN cairn.registered_models m ON m.id = v.model_id
                WHERE v.stage = 'Production'
                ORDER BY v.review_due ASC NULLS LAST, m.name, v.version
                LIMIT \(Portfolio.productionLimit + 1)
                """, logger: logger)
            var production: [Portfolio.ProductionVersion] = []
            for try await (name, version, owner, updatedAt, reviewDue, overdue, serving) in rows.decode(
                (String, Int, String?, Date, Date?, Bool, [String]).self)
            {
                production.append(
                    .init(
                        model: name, version: version, owner: owner, updatedAt: updatedAt, reviewDue: reviewDue, reviewOverdue: overdue,
                        servingOn: serving))
            }
            let more = production.count > Portfolio.productionLimit
            let events = try await connection.query(
                """
                SELECT \(unescaped: PostgresEventStore.columns) FROM cairn.events
                WHERE type = ANY(\(Portfolio.activityTypes)) ORDER BY id DESC LIMIT \(Portfolio.recentLimit)
                """, logger: logger)
            let recent = try await PostgresEventStore.events(from: events, tenantID: tenant.id)
            return Portfolio(
                modelCount: models, versionsByStage: versionsByStage, production: Array(production.prefix(Portfolio.productionLimit)),
                moreProduction: more, pendingRequests: pending, overdueReviews: overdue,
                recentChanges: recent)
        }
    }
}
