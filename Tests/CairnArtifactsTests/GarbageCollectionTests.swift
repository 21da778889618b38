import CairnApp
import CairnArtifacts
import CairnCore
import CairnPostgres
import CairnTestSupport
import Crypto
import Foundation
import Testing

/// Collection against the real PostgreSQL: a blob that an upload is about to reference is never deleted.
@Suite struct GarbageCollectionTests {
    let db: TestDatabase
    let blobs: FileBlobStore
    let artifacts: ArtifactService

    init() async throws {
        db = try await TestDatabase.shared()
        blobs = try FileBlobStore(root: try TestEnvironment.scratchDirectory("gc"), threads: 4, chunkSize: 64 << 10)
        artifacts = ArtifactService(blobs: blobs, store: PostgresArtifactStore(database: db.database), limits: ArtifactLimits())
    }

    func stored(_ bytes: [UInt8], tenant: Tenant) async throws -> (any BlobUpload, StoredBlob) {
        let upload = try await blobs.beginUpload(tenant: tenant.id)
        try await upload.write(bytes)
        return (upload, try await upload.finish())
    }

    @Test func unreferencedBlobsAndAbandonedUploadsAreCollected() async throws {
        let tenant = try await db.makeModel("gc-basic", versions: 1)
        let kept = try await artifacts.put(Array("kept".utf8), at: "a", version: 1, in: tenant, logger: db.logger)
        let (orphan, orphanBlob) = try await stored(Array("orphan".utf8), tenant: tenant)
        try await orphan.publish()
        let abandoned = try await blobs.beginUpload(tenant: tenant.id)
        try await abandoned.write([1, 2, 3])

        let report = try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(0), now: Date().addingTimeInterval(5), logger: db.logger)
        #expect(report.removedBlobs == 1)
        #expect(report.keptBlobs == 1)
        #expect(report.abandonedUploads == 1)
        #expect(try await blobs.size(of: orphanBlob.digest, tenant: tenant.id) == nil)
        #expect(try await blobs.size(of: kept.digest, tenant: tenant.id) == kept.size)

        // Deleting the version drops its files; the next collection takes the content.
        try await db.registry.deleteVersion(1, of: "m", in: tenant, by: "t", logger: db.logger)
        #expect(try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger).removedBlobs == 1)
        #expect(try await blobs.size(of: kept.digest, tenant: tenant.id) == nil)
    }

    /// The collector meets an upload that is publishing the same content: it must skip the blob.
    @Test func collectionSkipsABlobAnUploadIsPublishing() async throws {
        let tenant = try await db.makeModel("gc-race-a", versions: 1)
        let bytes = Array("shared content".utf8)
        let (old, blob) = try await stored(bytes, tenant: tenant)
        try await old.publish()  // an orphan the collector would take

        let (publishing, publishingSignal) = AsyncStream.makeStream(of: Void.self)
        let (proceed, proceedSignal) = AsyncStream.makeStream(of: Void.self)
        let (upload, _) = try await stored(bytes, tenant: tenant)
        let store = PostgresArtifactStore(database: db.database)
        let file = NewVersionFile(path: try ArtifactPath(decoded: "w.bin"), blob: blob, mediaType: "application/octet-stream", format: .plain)
        let logger = db.logger
        let attaching = Task {
            try await store.attach(
                file, version: 1, of: "m", maxFiles: 10, in: tenant, by: "t",
                publish: {
                    publishingSignal.yield()
                    for await _ in proceed { break }
                    try await upload.publish()
                }, logger: logger)
        }
        for await _ in publishing { break }
        let report = try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger)
        #expect(report.removedBlobs == 0, "the collector took a blob an upload holds")
        proceedSignal.yield()
        _ = try await attaching.value
        #expect(try await blobs.check(blob.digest, expectedSize: blob.size, tenant: tenant.id) == .intact)
        #expect(try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger).removedBlobs == 0)
    }

    /// An upload meets the collector deleting the same content: it waits, then publishes its own copy.
    @Test func anUploadWaitsForACollectionInProgress() async throws {
        let tenant = try await db.makeModel("gc-race-b", versions: 1)
        let bytes = Array("content deleted then uploaded".utf8)
        let (old, blob) = try await stored(bytes, tenant: tenant)
        try await old.publish()

        let (removing, removingSignal) = AsyncStream.makeStream(of: Void.self)
        let (proceed, proceedSignal) = AsyncStream.makeStream(of: Void.self)
        let store = PostgresArtifactStore(database: db.database)
        let blobs = self.blobs
        let logger = db.logger
        let collecting = Task {
            try await store.collectIfUnreferenced(
                blob.digest, in: tenant,
                remove: {
                    removingSignal.yield()
                    for await _ in proceed { break }
                    try await blobs.remove(blob.digest, tenant: tenant.id)
                }, logger: logger)
        }
        for await _ in removing { break }
        async let uploaded = artifacts.put(bytes, at: "w.bin", version: 1, in: tenant, logger: db.logger)
        try await Task.sleep(for: .milliseconds(300))  // let the upload reach the lock
        proceedSignal.yield()
        #expect(try await collecting.value == true)
        let file = try await uploaded
        #expect(file.digest == blob.digest)
        #expect(try await blobs.check(blob.digest, expectedSize: blob.size, tenant: tenant.id) == .intact)
    }

    @Test func concurrentUploadsAndCollectionsNeverLoseReferencedContent() async throws {
        let rounds = 24
        let tenant = try await db.makeModel("gc-stress", versions: rounds)
        // Four contents shared by many uploads, so the same blobs are published, orphaned and collected repeatedly.
        let contents = (0..<4).map { i in [UInt8](repeating: UInt8(i), count: 10_000 + i) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 1...rounds {
                group.addTask {
                    let bytes = contents[round % contents.count]
                    _ = try await artifacts.put(bytes, at: "w.bin", version: round, in: tenant, logger: db.logger)
                    if round % 3 == 0 { try await db.registry.deleteVersion(round, of: "m", in: tenant, by: "t", logger: db.logger) }
                }
                group.addTask { _ = try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger) }
            }
            try await group.waitForAll()
        }
        let referenced = try await PostgresArtifactStore(database: db.database).referencedBlobs(in: tenant, logger: db.logger)
        #expect(referenced.count == contents.count)
        for (digest, size) in referenced {
            #expect(try await blobs.check(digest, expectedSize: size, tenant: tenant.id) == .intact, "\(digest) lost")
        }
    }
}
