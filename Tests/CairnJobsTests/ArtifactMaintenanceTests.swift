import CairnApp
import CairnArtifacts
import CairnCore
import CairnJobs
import CairnPostgres
import CairnTestSupport
import Foundation
import Logging
import Testing

/// The integrity sweep and the periodic maintenance service against the real PostgreSQL and filesystem.
@Suite struct ArtifactMaintenanceTests {
    let db: TestDatabase
    let blobs: FileBlobStore
    let artifacts: ArtifactService

    init() async throws {
        db = try await TestDatabase.shared()
        blobs = try FileBlobStore(root: try TestEnvironment.scratchDirectory("sweep"), threads: 2)
        artifacts = ArtifactService(blobs: blobs, store: PostgresArtifactStore(database: db.database), limits: ArtifactLimits())
    }

    /// A tenant with model `m`, version 1 READY with the given files.
    func finalizedVersion(_ files: [String: [UInt8]], prefix: String) async throws -> Tenant {
        let tenant = try await db.makeModel(prefix, versions: 2)
        for (path, bytes) in files {
            _ = try await artifacts.put(bytes, at: path, version: 1, in: tenant, logger: db.logger)
        }
        _ = try await artifacts.finalize(version: 1, of: "m", in: tenant, by: "t", logger: db.logger)
        return tenant
    }

    func blobPath(_ digest: BlobDigest, tenant: Tenant) -> String {
        "\(blobs.root)/\(tenant.id.uuidString.lowercased())/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)"
    }

    @Test func theSweepFlagsMissingAndCorruptFilesOnceAndSeesRepairs() async throws {
        let files = ["MLmodel": Array("flavors: {}\n".utf8), "model.onnx": Array("onnx bytes".utf8), "README.md": Array("# m\n".utf8)]
        let tenant = try await finalizedVersion(files, prefix: "sweep")
        let clean = try await artifacts.verify(tenant, by: "sweeper", logger: db.logger)
        #expect(clean.checkedBlobs == 3)
        #expect(clean.brokenFiles.isEmpty)

        let store = PostgresArtifactStore(database: db.database)
        let listed = try await store.files(version: 1, of: "m", in: tenant, logger: db.logger).files
        #expect(listed.allSatisfy { $0.integrity?.state == .intact })
        let onnx = try #require(listed.first { $0.path.value == "model.onnx" })
        let mlmodel = try #require(listed.first { $0.path.value == "MLmodel" })
        // Bit rot in one, a deleted file in another.
        #expect(chmod(blobPath(onnx.digest, tenant: tenant), 0o600) == 0)
        try Data("onnx bytez".utf8).write(to: URL(fileURLWithPath: blobPath(onnx.digest, tenant: tenant)))
        #expect(unlink(blobPath(mlmodel.digest, tenant: tenant)) == 0)

        let broken = try await artifacts.verify(tenant, by: "sweeper", logger: db.logger)
        #expect(broken.checkedBlobs == 3)
        #expect(broken.intactBlobs == 1)
        #expect(broken.brokenFiles.map(\.path.value) == ["MLmodel", "model.onnx"])
        #expect(broken.brokenFiles.map(\.integrity.state) == [.missing, .corrupt])
        #expect(broken.brokenFiles.allSatisfy { $0.modelName == "m" && $0.version == 1 })

        // A second sweep finds the same and audits nothing new.
        _ = try await artifacts.verify(tenant, by: "sweeper", logger: db.logger)
        let audit = try await PostgresAuditStore(database: db.database).entries(
            AuditQuery(action: "artifact.integrity_failed"), in: tenant, logger: db.logger)
        #expect(audit.count == 2)

        // Uploading the same content again (to a version still pending) repairs the blob.
        _ = try await artifacts.put(files["MLmodel"] ?? [], at: "MLmodel", version: 2, in: tenant, logger: db.logger)
        let repaired = try await artifacts.verify(tenant, by: "sweeper", logger: db.logger)
        #expect(repaired.brokenFiles.map(\.path.value) == ["model.onnx"])
    }

    @Test func finalizeRefusesWhenContentIsMissing() async throws {
        let tenant = try await finalizedVersion([:], prefix: "finalize-missing")
        let file = try await artifacts.put([UInt8]([1, 2, 3]), at: "w.bin", version: 2, in: tenant, logger: db.logger)
        #expect(unlink(blobPath(file.digest, tenant: tenant)) == 0)
        await #expect(throws: CairnError.self) { try await artifacts.finalize(version: 2, of: "m", in: tenant, by: "t", logger: db.logger) }
        let version = try await db.registry.version(2, of: "m", in: tenant, logger: db.logger)
        #expect(version.status == .pendingRegistration)
    }

    /// Two replicas: while one holds a tenant's maintenance, the other's pass skips that tenant.
    @Test func oneReplicaAtATimeMaintainsATenant() async throws {
        let tenant = try await finalizedVersion(["a": [1]], prefix: "replicas")
        let store = PostgresArtifactStore(database: db.database)
        let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await store.exclusiveMaintenance(of: tenant, logger: db.logger) {
                heldSignal.yield()
                for await _ in release { break }
                return true
            }
        }
        for await _ in held { break }
        var logger = Logger(label: "cairn.test.jobs")
        logger.logLevel = .warning
        let replica = ArtifactMaintenance(
            tenants: db.tenants, artifacts: artifacts, interval: .seconds(3600), abandonedAfter: .seconds(7200), clock: ContinuousClock(),
            logger: logger)
        let whileHeld = await replica.runOnce()
        #expect(!whileHeld.contains { $0.tenant == tenant.slug })
        releaseSignal.yield()
        #expect(try await holder.value == true)
        let afterwards = await replica.runOnce()
        let mine = try #require(afterwards.first { $0.tenant == tenant.slug })
        #expect(mine.integrity.checkedBlobs == 1)
        #expect(mine.garbage.removedBlobs == 0)
    }
}
