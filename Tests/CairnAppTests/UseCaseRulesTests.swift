import CairnApp
import CairnCore
import Foundation
import Logging
import Synchronization
import Testing

/// A lifecycle store that records which operation a use case chose; the real one's behaviour is tested against
/// PostgreSQL (LifecycleAPITests, HardeningTests).
final class RecordingLifecycleStore: LifecycleStore {
    let calls = Mutex<[String]>([])

    func transition(
        _ version: Int, of modelName: String, _ change: StageChange, role: Role, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor,
        logger: Logger
    ) async throws -> StageChangeResult {
        calls.withLock { $0.append("transition \(change.toStage.rawValue) as \(role.rawValue)") }
        throw CairnError(.invalidState, "recorded")
    }

    func requestTransition(
        _ version: Int, of modelName: String, _ change: StageChange, policy: LifecyclePolicy, in tenant: Tenant, by actor: Actor, logger: Logger
    ) async throws -> TransitionRequest {
        calls.withLock { $0.append("request \(change.toStage.rawValue)") }
        throw CairnError(.invalidState, "recorded")
    }

    func transitionRequests(status: TransitionRequest.Status?, modelName: String?, version: Int?, in tenant: Tenant, logger: Logger) async throws
        -> [TransitionRequest]
    { [] }

    func decide(
        _ id: UUID, _ decision: TransitionRequest.Decision, comment: String?, role: Role, policy: LifecyclePolicy, in tenant: Tenant,
        by actor: Actor, logger: Logger
    ) async throws -> (request: TransitionRequest, change: StageChangeResult?) {
        calls.withLock { $0.append("decide \(decision.rawValue) as \(role.rawValue)") }
        throw CairnError(.invalidState, "recorded")
    }
}

@Suite struct UseCaseRulesTests {
    static func scope(role: Role, settings: JSONObject = [:], token: Bool = false) throws -> RequestScope {
        let tenant = Tenant(
            id: UUID(), slug: try TenantSlug("acme"), displayName: "Acme", settings: settings, createdAt: Date(), createdBy: "test")
        let grant = token ? TokenGrant(tokenID: UUID(), tenantID: tenant.id, role: role) : nil
        let principal = Principal(username: "alice", distinguishedName: "uid=alice", groups: [], token: grant)
        return RequestScope(
            tenant: tenant, principal: principal, access: TenantAccess(role: role, isPlatformAdmin: false), requestID: "r1",
            logger: Logger(label: "test"))
    }

    static func chosen(_ stage: Stage, settings: JSONObject, role: Role = .approver) async throws -> [String] {
        let store = RecordingLifecycleStore()
        let change = try StageChange(toStage: stage, comment: nil, archiveExisting: nil)
        _ = try? await Lifecycle(store: store).changeStage(1, of: "m", change, try scope(role: role, settings: settings))
        return store.calls.withLock { $0 }
    }

    @Test func productionIsARequestUnlessTheTenantTurnedFourEyesOff() async throws {
        #expect(try await Self.chosen(.production, settings: [:]) == ["request Production"])
        #expect(try await Self.chosen(.production, settings: ["four_eyes_production": .bool(true)]) == ["request Production"])
        #expect(try await Self.chosen(.production, settings: ["four_eyes_production": .bool(false)]) == ["transition Production as approver"])
        #expect(try await Self.chosen(.staging, settings: [:], role: .contributor) == ["transition Staging as contributor"])
        #expect(try await Self.chosen(.archived, settings: [:]) == ["transition Archived as approver"])
    }

    @Test func decisionsCarryTheCallersRoleAndRefuseOverlongComments() async throws {
        let store = RecordingLifecycleStore()
        let long = String(repeating: "x", count: 5001)
        await #expect(throws: CairnError.self) {
            try await Lifecycle(store: store).decide(UUID(), .approve, comment: long, try Self.scope(role: .approver))
        }
        #expect(store.calls.withLock { $0 }.isEmpty, "an over-long comment is refused before the store is asked")
        _ = try? await Lifecycle(store: store).decide(UUID(), .reject, comment: "no", try Self.scope(role: .admin))
        #expect(store.calls.withLock { $0 } == ["decide reject as admin"])
    }

    @Test func protectedAliasesNeedAnApprover() throws {
        let aliases = Aliases(store: UnusedAliasStore())
        let tenant = try Self.scope(role: .contributor, settings: ["protected_aliases": .array([.string("champion")])]).tenant
        #expect(aliases.requiredRole(for: try AliasName("champion"), in: tenant) == .approver)
        #expect(aliases.requiredRole(for: try AliasName("challenger"), in: tenant) == .contributor)
    }

    @Test func tokensCannotMintOrRevokeTokens() async throws {
        let tokens = Tokens(store: UnusedTokenStore(), maxLifetime: .seconds(86_400))
        let viaToken = try Self.scope(role: .admin, token: true)
        await #expect(throws: CairnError.self) { try await tokens.create(name: "ci", role: nil, expiresAt: nil, viaToken) }
        await #expect(throws: CairnError.self) { try await tokens.revoke(UUID().uuidString, viaToken) }
    }
}

struct UnusedAliasStore: AliasStore {
    func setAlias(_ alias: AliasName, to version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws
        -> ModelVersion
    { throw CairnError(.internalError, "unused") }
    func deleteAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger) async throws {}
    func resolveAlias(_ alias: AliasName, of modelName: String, in tenant: Tenant, logger: Logger) async throws -> ModelVersion {
        throw CairnError(.internalError, "unused")
    }
    func setLegalHold(_ held: Bool, reason: String?, version: Int, of modelName: String, in tenant: Tenant, by actor: Actor, logger: Logger)
        async throws -> ModelVersion
    { throw CairnError(.internalError, "unused") }
}

struct UnusedTokenStore: TokenStore {
    func createToken(_ token: NewAPIToken, minted: MintedToken, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken {
        Issue.record("a token caller reached the store")
        throw CairnError(.internalError, "unused")
    }
    func tokens(ownedBy owner: String?, in tenant: Tenant, logger: Logger) async throws -> [APIToken] { [] }
    func revokeToken(id: UUID, ownedBy owner: String?, by actor: Actor, in tenant: Tenant, logger: Logger) async throws -> APIToken {
        Issue.record("a token caller reached the store")
        throw CairnError(.internalError, "unused")
    }
    func verify(_ credential: TokenCredential, tenantID: UUID, logger: Logger) async throws -> APIToken? { nil }
}
