import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Testing

@testable import CairnAPI

/// The hand-written response bodies must be the stable encoder's bytes exactly: a client that compares or hashes
/// responses, and every test that decodes them, sees no difference between the fast path and `JSONEncoder`.
@Suite struct JSONWriterTests {
    private static let awkward = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} unit \u{1F} é 漢 🚀"

    private func version(full: Bool) -> ModelVersion {
        ModelVersion(
            modelID: UUID(), modelName: full ? Self.awkward : "m", version: 42, status: .ready, statusMessage: full ? "all good" : nil,
            stage: .staging, description: full ? Self.awkward : "", source: full ? "s3://bucket/key" : nil, runID: full ? "run-1" : nil,
            runLink: full ? "https://mlflow/run-1" : nil,
            lineage: full
                ? Lineage(
                    codeRepository: "https://git/x", codeCommit: "0123abcdef", datasetURI: "s3://data/x", datasetVersion: "v2",
                    datasetDigest: "sha256:bb") : Lineage(),
            hyperparameters: full
                ? [
                    "lr": .number(0.05), "layers": .array([.number(64), .number(32), .number(-0.0)]), "tiny": .number(1e-05),
                    "huge": .number(1e21), "big": .number(123_456_789_012), "flag": .bool(true), "none": .null,
                    "nested": .object(["Z": .string("upper"), "a": .string("lower"), "_": .string(Self.awkward), "é": .number(1.5)]),
                ] : [:],
            metrics: full
                ? [Metric(dataset: "holdout", key: "auc", value: 0.91), Metric(dataset: "q3", key: "fairness/dp_gap", value: 1.0 / 3.0)]
                : [],
            environment: full ? ["python": .string("3.11"), "gpu": .null] : [:],
            tags: full ? ["team": "credit", "Owner": "risk", "a_b": "x", "ab": Self.awkward, "q": "\"", "s": "\n\"x\\", "": "\u{01}"] : [:],
            aliases: full ? ["beta", "champion"] : [],
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.123456), createdBy: "alice", updatedAt: Date(timeIntervalSince1970: 1_800_000_000),
            updatedBy: "bob", legalHold: full, filesDigest: full ? BlobDigest(hex: String(repeating: "ab", count: 32)) : nil,
            purgedAt: full ? Date(timeIntervalSince1970: 1_900_000_000) : nil, purgedBy: full ? "retention" : nil)
    }

    private func written(_ value: some JSONWritable) -> String {
        var writer = JSONWriter()
        value.write(to: &writer)
        return String(buffer: writer.buffer)
    }

    private func encoded(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.stable().encode(value), as: UTF8.self)
    }

    @Test(arguments: [true, false]) func aVersionIsWrittenAsTheEncoderWritesIt(full: Bool) throws {
        let dto = VersionDTO(version(full: full))
        #expect(written(dto) == (try encoded(dto)))
    }

    @Test func aListIsWrittenAsTheEncoderWritesIt() throws {
        let versions = [VersionDTO(version(full: true)), VersionDTO(version(full: false))]
        for token in [nil, "next/page+token=="] {
            let list = VersionListDTO(modelVersions: versions, nextPageToken: token)
            #expect(written(list) == (try encoded(list)))
        }
        let empty = VersionListDTO(modelVersions: [], nextPageToken: nil)
        #expect(written(empty) == (try encoded(empty)))
    }
}
