import CairnCore
import Foundation
import Testing

@Suite struct StageRulesTests {
    @Test func legalMovesNeedTheirRoles() throws {
        #expect(try StageRules.requiredRole(from: .none, to: .staging) == .contributor)
        #expect(try StageRules.requiredRole(from: .staging, to: .none) == .contributor)
        #expect(try StageRules.requiredRole(from: .staging, to: .production) == .approver)
        #expect(try StageRules.requiredRole(from: .production, to: .archived) == .approver)
        #expect(try StageRules.requiredRole(from: .none, to: .archived) == .approver)
        #expect(try StageRules.requiredRole(from: .archived, to: .none) == .admin)
        #expect(try StageRules.requiredRole(from: .archived, to: .staging) == .admin)
    }

    @Test(arguments: [(Stage.none, Stage.production), (.production, .staging), (.production, .none), (.archived, .production), (.staging, .staging)])
    func illegalMovesAreRefused(_ from: Stage, _ to: Stage) {
        do {
            _ = try StageRules.requiredRole(from: from, to: to)
            Issue.record("\(from) → \(to) allowed")
        } catch {
            #expect(error.code == .invalidState)
        }
    }

    @Test func onlyReadyVersionsArePromoted() {
        #expect(throws: CairnError.self) { try StageRules.check(status: .pendingRegistration, to: .staging) }
        #expect(throws: Never.self) { try StageRules.check(status: .pendingRegistration, to: .archived) }
        #expect(throws: Never.self) { try StageRules.check(status: .ready, to: .production) }
    }

    @Test func policyComesFromTenantSettingsWithFourEyesOnByDefault() {
        #expect(LifecyclePolicy(settings: [:]) == LifecyclePolicy(fourEyesProduction: true, singleProductionVersion: false))
        let custom = LifecyclePolicy(settings: ["four_eyes_production": .bool(false), "single_production_version": .bool(true)])
        #expect(!custom.fourEyesProduction && custom.singleProductionVersion)
        #expect(LifecyclePolicy().needsApproval(to: .production))
        #expect(!LifecyclePolicy().needsApproval(to: .staging))
    }

    @Test func theRequesterNeverDecidesTheirOwnRequest() throws {
        let request = TransitionRequest(
            id: UUID(), modelName: "m", version: 1, fromStage: .staging, toStage: .production, archiveExisting: false, comment: "",
            status: .pending, requestedBy: "dave", requestedAt: Date(), decidedBy: nil, decidedAt: nil, decisionComment: nil)
        #expect(throws: CairnError.self) { try request.check(.approve, by: "dave", role: .admin) }
        #expect(throws: CairnError.self) { try request.check(.reject, by: "dave", role: .admin) }
        #expect(throws: CairnError.self) { try request.check(.approve, by: "alice", role: .contributor) }
        #expect(throws: Never.self) { try request.check(.approve, by: "erin", role: .approver) }
        #expect(throws: Never.self) { try request.check(.cancel, by: "dave", role: .contributor) }
        #expect(throws: CairnError.self) { try request.check(.cancel, by: "alice", role: .approver) }
        #expect(throws: Never.self) { try request.check(.cancel, by: "erin", role: .admin) }
    }
}
