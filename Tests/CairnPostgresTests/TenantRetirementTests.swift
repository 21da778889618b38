import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import PostgresNIO
import Testing

/// Tenants are never deleted; an empty one can be retired (MLflow's delete-workspace). A retired tenant resolves for
/// nobody, keeps its audit trail and its slug, and can hold nothing new.
@Suite struct TenantRetirementTests {
    @Test func onlyAnEmptyTenantRetiresAndThenNothingReachesIt() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeModel("retire", versions: 1)
        let actor = Actor(username: "pat")
        let token = try await db.tokens.createToken(
            try NewAPIToken(name: "ci", role: .reader, expiresAt: nil, creatorRole: .admin, now: Date(), maxLifetime: .seconds(3600)),
            minted: MintedToken(tenant: tenant.slug), by: actor, in: tenant, logger: db.logger)
        let webhooks = PostgresWebhookStore(database: db.database)
        let hook = try await webhooks.createWebhook(
            try WebhookSpec(url: "https://hooks.example.com/retire", description: nil, eventTypes: nil, model: nil, active: true),
            secret: .generate(), by: actor, in: tenant, logger: db.logger)

        await #expect(throws: CairnError.self) { try await db.tenants.retireTenant(tenantID: tenant.id, by: actor, logger: db.logger) }
        #expect(try await db.tenants.tenant(slug: tenant.slug, logger: db.logger) != nil, "a tenant holding a model stays")
        #expect(try await db.tenants.roleBindings(tenantID: tenant.id, logger: db.logger).count == DirectoryFixture.standardBindings.count)

        // Deleting the model queues a delivery for the webhook; retiring leaves nothing waiting forever.
        try await db.registry.deleteModel(named: "m", in: tenant, by: "alice", logger: db.logger)
        let queued = try await webhooks.deliveries(of: hook.id, state: .pending, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries
        #expect(!queued.isEmpty)
        let before = try await db.tenants.tenantRoles(groups: [DirectoryFixture.admins], logger: db.logger).map(\.tenant.id)
        #expect(before.contains(tenant.id))
        try await db.tenants.retireTenant(tenantID: tenant.id, by: actor, logger: db.logger)

        #expect(try await db.tenants.tenant(slug: tenant.slug, logger: db.logger) == nil)
        #expect(!(try await db.tenants.allTenants(logger: db.logger)).contains { $0.id == tenant.id })
        #expect(!(try await db.tenants.tenantRoles(groups: [DirectoryFixture.admins], logger: db.logger)).contains { $0.tenant.id == tenant.id })
        #expect(try await db.tenants.roleBindings(tenantID: tenant.id, logger: db.logger).isEmpty)
        #expect(try await db.tokens.tokens(ownedBy: nil, in: tenant, logger: db.logger).allSatisfy { $0.revokedAt != nil })
        #expect(try await db.tokens.tokens(ownedBy: nil, in: tenant, logger: db.logger).map(\.id) == [token.id])
        #expect(try await webhooks.webhook(id: hook.id, in: tenant, logger: db.logger).active == false)
        #expect(try await webhooks.deliveries(of: hook.id, state: .pending, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries.isEmpty)
        #expect(
            try await webhooks.deliveries(of: hook.id, state: .dead, before: nil, limit: 10, in: tenant, logger: db.logger).deliveries.map(\.id)
                == queued.map(\.id))
        // No token, binding or webhook is created there either.
        await #expect(throws: CairnError.self) {
            _ = try await db.tokens.createToken(
                try NewAPIToken(name: "late", role: .reader, expiresAt: nil, creatorRole: .admin, now: Date(), maxLifetime: .seconds(3600)),
                minted: MintedToken(tenant: tenant.slug), by: actor, in: tenant, logger: db.logger)
        }
        await #expect(throws: CairnError.self) {
            _ = try await db.tenants.replaceRoleBindings(
                [RoleBinding(group: DirectoryFixture.admins, role: .admin)], tenantID: tenant.id, by: actor, logger: db.logger)
        }
        await #expect(throws: CairnError.self) {
            _ = try await webhooks.createWebhook(
                try WebhookSpec(url: "https://hooks.example.com/late", description: nil, eventTypes: nil, model: nil, active: true),
                secret: .generate(), by: actor, in: tenant, logger: db.logger)
        }
        // Nothing new is registered there, even by a store that skips the lookup.
        await #expect(throws: CairnError.self) {
            _ = try await db.registry.createModel(
                try NewRegisteredModel(name: try ModelName("late"), description: nil, owner: nil, tags: nil), in: tenant, by: "alice",
                logger: db.logger)
        }
        // The audit trail is kept, ending with the retirement.
        let actions = try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            var actions: [String] = []
            for try await action in try await connection.query("SELECT action FROM cairn.audit_log ORDER BY seq", logger: db.logger).decode(
                String.self)
            {
                actions.append(action)
            }
            return actions
        }
        #expect(actions.first == "tenant.created" && actions.last == "tenant.retired", "\(actions)")
        // Its slug stays taken; retiring twice finds nothing.
        await #expect(throws: CairnError.self) {
            _ = try await db.tenants.createTenant(
                try NewTenant(slug: tenant.slug, displayName: "again", settings: [:]), bindings: [], by: actor, logger: db.logger)
        }
        await #expect(throws: CairnError.self) { try await db.tenants.retireTenant(tenantID: tenant.id, by: actor, logger: db.logger) }
    }

    @Test func aDisplayNameChangeIsAudited() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await db.makeTenant("rename")
        let renamed = try await db.tenants.updateDisplayName("Fraud & risk", tenantID: tenant.id, by: Actor(username: "pat"), logger: db.logger)
        #expect(renamed.displayName == "Fraud & risk" && renamed.slug == tenant.slug)
        #expect(try await db.tenants.tenant(slug: tenant.slug, logger: db.logger)?.displayName == "Fraud & risk")
        let last = try await db.database.withTenant(tenant.id, logger: db.logger) { connection in
            var action = ""
            for try await value in try await connection.query("SELECT action FROM cairn.audit_log ORDER BY seq DESC LIMIT 1", logger: db.logger)
                .decode(String.self)
            {
                action = value
            }
            return action
        }
        #expect(last == "tenant.updated")
    }
}
