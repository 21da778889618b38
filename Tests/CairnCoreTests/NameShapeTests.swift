import Foundation
import Testing

@testable import CairnCore

/// The hand-written shape checks accept exactly what the regular expressions they replaced accepted.
@Suite struct NameShapeTests {
    static let inputs: [String] = [
        "", "a", "z", "0", "-", "_", "a-", "-a", "a-b", "a_b", "a--b", "A", "Ab", "aB", "é", "aé", "a\u{301}", "a\n", "a b", " a",
        "v", "V", "v1", "V12", "v1x", "vx", "latest", "_x", "x_", "1abc", "abc1234", "abcdef1", "abcdefg", "0123456",
        "model_version.created", "model_version.*", "model_version.", ".created", "a.b.c", "a.*x", "A.b", "a_.b_",
        "2026-12-07", "2026-1-07", "20261207", "2026-12-0x", "2026-12-07\n", "٢٠٢٦-١٢-٠٧", "eu-prod", "eu_prod", "-prod",
        String(repeating: "a", count: 62), String(repeating: "a", count: 63), String(repeating: "a", count: 64),
        String(repeating: "a", count: 62) + "-", String(repeating: "f", count: 65), String(repeating: "b", count: 255),
        String(repeating: "b", count: 256), "v" + String(repeating: "1", count: 254),
    ]

    private func accepted(_ make: () throws -> Void) -> Bool { (try? make()) != nil }

    @Test(arguments: inputs) func tenantSlug(_ raw: String) {
        let expected = raw.utf8.count <= 63 && (try? /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.wholeMatch(in: raw)) != nil
        #expect(accepted { _ = try TenantSlug(raw) } == expected)
    }

    @Test(arguments: inputs) func alias(_ raw: String) {
        let expected =
            (try? /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/.wholeMatch(in: raw)) != nil && raw.lowercased() != "latest"
            && (try? /^[vV][0-9]+$/.wholeMatch(in: raw)) == nil
        #expect(accepted { _ = try AliasName(raw) } == expected)
    }

    @Test(arguments: inputs) func deploymentEnvironment(_ raw: String) {
        let expected = (try? /^[a-z0-9][a-z0-9_-]{0,62}$/.wholeMatch(in: raw)) != nil
        #expect(accepted { _ = try NewDeployment(environment: raw, target: "t", comment: nil) } == expected)
    }

    @Test(arguments: inputs) func codeCommit(_ raw: String) {
        let expected = (try? /^[0-9a-f]{7,64}$/.wholeMatch(in: raw.lowercased())) != nil
        #expect(accepted { _ = try Lineage(codeCommit: raw).validated() } == expected)
    }

    @Test(arguments: inputs) func eventType(_ raw: String) {
        let expected = (try? /^[a-z_]+\.([a-z_]+|\*)$/.wholeMatch(in: raw)) != nil
        #expect(EventFilter.isEventType(raw) == expected)
    }

    @Test(arguments: inputs) func reviewDate(_ raw: String) {
        let shaped = (try? /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.wholeMatch(in: raw)) != nil
        #expect((ModelCard.date(raw) != nil) == (shaped && (try? Date.ISO8601FormatStyle().year().month().day().parse(raw)) != nil))
    }
}
