import CairnCore
import Testing

@Suite struct NamingTests {
    @Test(arguments: ["acme", "a", "team-42", String(repeating: "a", count: 63)])
    func validSlugs(_ slug: String) throws {
        #expect(try TenantSlug(slug).value == slug)
    }

    @Test(arguments: ["", "-acme", "acme-", "Acme", "ac_me", "ac.me", "ac me", String(repeating: "a", count: 64), "é"])
    func invalidSlugs(_ slug: String) {
        #expect(throws: CairnError.self) { try TenantSlug(slug) }
    }

    @Test func modelNamesAreTrimmedAndNFCNormalised() throws {
        let decomposed = try ModelName("  cafe\u{301}-model \n")
        #expect(decomposed.value == "caf\u{E9}-model")
        #expect(decomposed == (try ModelName("caf\u{E9}-model")))
    }

    @Test func lookAlikeNamesShareAKey() throws {
        #expect(try ModelName("Fraud-Model").lookalikeKey == (try ModelName("fraud-model").lookalikeKey))
        // "сосо" in Cyrillic reads as Latin "coco".
        #expect(try ModelName("\u{441}\u{43E}\u{441}\u{43E}").lookalikeKey == (try ModelName("coco").lookalikeKey))
        #expect(try ModelName("fraud-model").lookalikeKey != (try ModelName("fraud-models").lookalikeKey))
    }

    @Test(arguments: [
        "", "   ", String(repeating: "m", count: 257), "a\u{200B}b", "tab\there", "line\nbreak", "mixed-\u{43E}dd",
        "a/b", "a\\b", "nbsp\u{A0}name",
    ])
    func refusedModelNames(_ name: String) {
        #expect(throws: CairnError.self) { try ModelName(name) }
    }

    @Test func longestAllowedNameIsAccepted() throws {
        #expect(try ModelName(String(repeating: "m", count: 256)).value.count == 256)
    }

    @Test func lineageCommitMustBeHex() throws {
        #expect(try Lineage(codeCommit: "ABCDEF1").validated().codeCommit == "abcdef1")
        #expect(throws: CairnError.self) { try Lineage(codeCommit: "main").validated() }
        #expect(throws: CairnError.self) { try Lineage(codeCommit: "abc").validated() }
    }

    @Test func metricsMustBeFiniteAndUniquePerDataset() {
        #expect(throws: CairnError.self) { try [Metric(dataset: "", key: "acc", value: .nan)].validated() }
        #expect(throws: CairnError.self) { try [Metric(dataset: "d", key: "acc", value: 1), Metric(dataset: "d", key: "acc", value: 2)].validated() }
        #expect(throws: Never.self) { try [Metric(dataset: "a", key: "acc", value: 1), Metric(dataset: "b", key: "acc", value: 2)].validated() }
    }

    @Test func registrationStatusOnlyMovesForward() {
        #expect(VersionStatus.pendingRegistration.canMove(to: .ready))
        #expect(VersionStatus.pendingRegistration.canMove(to: .failedRegistration))
        #expect(!VersionStatus.ready.canMove(to: .pendingRegistration))
        #expect(!VersionStatus.failedRegistration.canMove(to: .ready))
    }

    @Test func deeplyNestedHyperparametersAreRefused() {
        var value = JSONValue.number(1)
        for _ in 0..<10 { value = .object(["x": value]) }
        #expect(throws: CairnError.self) { try ["deep": value].validated(field: "hyperparameters") }
    }
}
