import CairnApp
import CairnArtifacts
import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Testing

/// Uploads that break a limit end with a clear error and leave no blob, no temp file and no row.
@Suite struct UploadLimitTests {
    let db: TestDatabase
    let blobs: FileBlobStore
    let artifacts: ArtifactService

    init() async throws {
        db = try await TestDatabase.shared()
        blobs = try FileBlobStore(root: try TestEnvironment.scratchDirectory("limits"), threads: 2)
        artifacts = ArtifactService(
            blobs: blobs, store: PostgresArtifactStore(database: db.database),
            limits: ArtifactLimits(maxFileSize: 10_000, maxFilesPerVersion: 10, uploadTimeout: .milliseconds(500)))
    }

    func expectNothingStored(_ tenant: Tenant, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await blobs.blobs(tenant: tenant.id).isEmpty, sourceLocation: sourceLocation)
        let uploads = (try? FileManager.default.contentsOfDirectory(atPath: "\(blobs.root)/\(tenant.id.uuidString.lowercased())/uploads")) ?? []
        #expect(uploads.isEmpty, sourceLocation: sourceLocation)
        let files = try await artifacts.store.files(version: 1, of: "m", in: tenant, logger: db.logger)
        #expect(files.files.isEmpty, sourceLocation: sourceLocation)
    }

    func upload(_ body: AsyncStream<[UInt8]>, declaredLength: Int64? = nil, to tenant: Tenant) async throws {
        _ = try await artifacts.upload(
            body, to: try ArtifactPath(decoded: "w.bin"), declaredLength: declaredLength, expected: nil, version: 1, of: "m", in: tenant,
            by: "test", logger: db.logger)
    }

    @Test func aStalledUploadTimesOut() async throws {
        let tenant = try await db.makeModel("stalled", versions: 1)
        // One chunk, then nothing: the client went quiet without closing.
        let (stalled, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        continuation.yield([UInt8](repeating: 1, count: 100))
        let error = await #expect(throws: CairnError.self) { try await upload(stalled, to: tenant) }
        #expect(error?.code == .deadlineExceeded)
        continuation.finish()
        try await expectNothingStored(tenant)
    }

    @Test func aBodyGrowingPastTheLimitIsCutOff() async throws {
        let tenant = try await db.makeModel("too-big", versions: 1)
        // No Content-Length (chunked): the limit is enforced while streaming.
        let body = AsyncStream<[UInt8]> { continuation in
            for _ in 0..<20 { continuation.yield([UInt8](repeating: 2, count: 1000)) }
            continuation.finish()
        }
        #expect(await #expect(throws: CairnError.self) { try await upload(body, to: tenant) }?.code == .requestTooLarge)
        let declared = await #expect(throws: CairnError.self) { try await upload(AsyncStream { $0.finish() }, declaredLength: 10_001, to: tenant) }
        #expect(declared?.code == .requestTooLarge)
        try await expectNothingStored(tenant)
    }

    @Test func aBodyShorterThanDeclaredIsRefused() async throws {
        let tenant = try await db.makeModel("short", versions: 1)
        let body = AsyncStream<[UInt8]> { continuation in
            continuation.yield([1, 2, 3])
            continuation.finish()
        }
        let error = await #expect(throws: CairnError.self) { try await upload(body, declaredLength: 4, to: tenant) }
        #expect(error?.code == .invalidParameterValue)
        try await expectNothingStored(tenant)
    }
}
