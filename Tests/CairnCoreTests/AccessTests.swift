import CairnCore
import Testing

@Suite struct AccessTests {
    @Test func rolesAreOrdered() {
        #expect(Role.reader < .contributor)
        #expect(Role.contributor < .approver)
        #expect(Role.approver < .admin)
        #expect(Role.allCases.sorted() == [.reader, .contributor, .approver, .admin])
    }

    @Test func callerWithoutRoleCannotLearnTenantExists() {
        let access = TenantAccess(role: nil, isPlatformAdmin: false)
        #expect(throws: CairnError.self) { try access.require(.reader) }
        do { try access.require(.reader) } catch { #expect(error.code == .resourceDoesNotExist) }
    }

    @Test func tooSmallRoleIsForbidden() {
        let access = TenantAccess(role: .reader, isPlatformAdmin: false)
        do {
            try access.require(.contributor)
            Issue.record("a reader must not write")
        } catch {
            #expect(error.code == .permissionDenied)
        }
        #expect(throws: Never.self) { try access.require(.reader) }
    }

    @Test func platformAdminManagesBindingsButDoesNotReadModelsWithoutABinding() {
        let access = TenantAccess(role: nil, isPlatformAdmin: true)
        #expect(throws: Never.self) { try access.requireBindingManagement() }
        do {
            try access.require(.reader)
            Issue.record("platform admins need a binding to read tenant data")
        } catch {
            #expect(error.code == .permissionDenied)
        }
    }

    @Test func highestBoundRoleWins() {
        let a = DistinguishedName("cn=a,dc=x"), b = DistinguishedName("cn=b,dc=x")
        let bindings = [RoleBinding(group: a, role: .reader), RoleBinding(group: b, role: .approver)]
        #expect(bindings.role(for: [a, b]) == .approver)
        #expect(bindings.role(for: [a]) == .reader)
        #expect(bindings.role(for: []) == nil)
    }

    @Test func duplicateGroupsInABindingSetAreRefused() {
        let g = DistinguishedName("cn=a,dc=x")
        #expect(throws: CairnError.self) { try [RoleBinding(group: g, role: .reader), RoleBinding(group: g, role: .admin)].validated() }
    }

    @Test func emptyPasswordsAndUsernamesNeverReachTheDirectory() {
        #expect(throws: CairnError.unauthenticated) { try Credentials(username: "alice", password: "").validated() }
        #expect(throws: CairnError.unauthenticated) { try Credentials(username: "", password: "x").validated() }
        #expect(throws: CairnError.unauthenticated) { try Credentials(username: "a\u{0}b", password: "x").validated() }
        #expect(throws: Never.self) { try Credentials(username: "alice", password: "alice-pw").validated() }
    }

    @Test func distinguishedNamesCompareNormalised() {
        #expect(
            DistinguishedName("CN=ML-Approvers, OU=Groups,DC=Example, DC=com") == DistinguishedName("cn=ml-approvers,ou=groups,dc=example,dc=com"))
        #expect(DistinguishedName("cn=a b,dc=x") != DistinguishedName("cn=ab,dc=x"))
        #expect(DistinguishedName("uid=o'brien\\2C jr,dc=x").normalized == "uid=o'brien\\2c jr,dc=x")
        #expect(throws: CairnError.self) { try DistinguishedName.validated("not a dn") }
        #expect(throws: Never.self) { try DistinguishedName.validated("cn=ml-admins,ou=groups,dc=cairn,dc=test") }
    }
}
