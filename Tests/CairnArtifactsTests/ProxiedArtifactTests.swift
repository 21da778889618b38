import CairnApp
import CairnArtifacts
import CairnCore
import CairnPostgres
import CairnTestSupport
import Foundation
import Testing

/// MLflow's proxied tree against the real PostgreSQL and blob store: its content is referenced like a version's,
/// linking shares blobs, and nothing stays behind a refused link.
@Suite struct ProxiedArtifactTests {
    let db: TestDatabase
    let blobs: FileBlobStore
    let artifacts: ArtifactService
    let store: PostgresArtifactStore

    init() async throws {
        db = try await TestDatabase.shared()
        blobs = try FileBlobStore(root: try TestEnvironment.scratchDirectory("proxy"), threads: 2, chunkSize: 64 << 10)
        store = PostgresArtifactStore(database: db.database)
        artifacts = ArtifactService(blobs: blobs, store: store, limits: ArtifactLimits())
    }

    @Test func proxiedContentIsKeptUntilNothingReferencesIt() async throws {
        let tenant = try await db.makeModel("proxy-gc", versions: 0)
        let stored = try await artifacts.putProxied(Array("weights".utf8), at: "runs/1/model/weights.bin", in: tenant, logger: db.logger)
        let report = try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger)
        #expect(report.removedBlobs == 0)
        #expect(try await blobs.size(of: stored.digest, tenant: tenant.id) == 7)

        // Linked into a version: the same blob, referenced twice; deleting the proxied file keeps it for the version.
        _ = try await db.registry.createVersion(
            of: "m",
            try NewModelVersion(
                status: .pendingRegistration, description: nil, source: "mlflow-artifacts:/runs/1/model", runID: nil, runLink: nil, lineage: nil,
                hyperparameters: nil, metrics: nil, environment: nil, tags: nil), in: tenant, by: "t", logger: db.logger)
        let linked = try await store.linkProxied(
            try ArtifactPath(decoded: "runs/1/model"), version: 1, of: "m", maxFiles: 10, in: tenant, by: "t", logger: db.logger)
        #expect(linked == 1)
        let files = try await store.files(version: 1, of: "m", in: tenant, logger: db.logger)
        #expect(files.files.map(\.path.value) == ["weights.bin"])
        #expect(files.files.map(\.digest) == [stored.digest])
        // The registered directory is frozen: nothing at, under or above it changes while the version lives.
        for path in ["runs", "runs/1/model", "runs/1/model/weights.bin", "runs/1/model/extra.txt"] {
            await #expect(
                throws: CairnError(
                    .invalidState,
                    "'runs/1/model' was registered as a model version and is frozen: what the version's users load stays what was registered. Upload to a new directory instead."
                )
            ) {
                if path.hasSuffix(".txt") {
                    try await artifacts.putProxied([9], at: path, in: tenant, logger: db.logger)
                } else {
                    _ = try await store.deleteProxied(try ArtifactPath(decoded: path), in: tenant, by: "t", logger: db.logger)
                }
            }
        }
        // The database refuses it too, whatever the code path.
        await #expect(throws: (any Error).self) {
            try await db.asSuperuser("UPDATE cairn.proxied_artifacts SET size = 1 WHERE tenant_id = '\(tenant.id)'")
        }

        // Deleting the version thaws it; the proxied copy still keeps the content until it goes too.
        try await db.registry.deleteVersion(1, of: "m", in: tenant, by: "t", logger: db.logger)
        #expect(try await artifacts.collectGarbage(tenant, abandonedAfter: .seconds(3600), logger: db.logger).removedBlobs == 0)
        let released = try await store.deleteProxied(try ArtifactPath(decoded: "runs"), in: tenant, by: "t", logger: db.logger)
        #expect(released == [stored.digest])
        #expect(try await artifacts.collect(released, in: tenant, logger: db.logger) == 1)
        #expect(try await blobs.size(of: stored.digest, tenant: tenant.id) == nil)
    }

    @Test func aFileAndADirectoryCannotShareAName() async throws {
        let tenant = try await db.makeModel("proxy-clash", versions: 0)
        try await artifacts.putProxied([1], at: "a/b", in: tenant, logger: db.logger)
        for clash in ["a", "a/b/c"] {
            await #expect(throws: CairnError.self) { try await artifacts.putProxied([2], at: clash, in: tenant, logger: db.logger) }
        }
        let listing = ArtifactListing(try await store.proxiedArtifacts(under: nil, in: tenant, logger: db.logger), under: nil)
        #expect(listing.entries == [.init(name: "a", isDirectory: true, size: nil)])
        #expect(try await store.proxiedArtifacts(under: nil, in: tenant, logger: db.logger).map(\.path.value) == ["a/b"])
    }

    @Test func linkingRefusesAReadyVersionAndWritesNothing() async throws {
        let tenant = try await db.makeModel("proxy-ready", versions: 1, status: .ready)
        try await artifacts.putProxied([1, 2], at: "d/f", in: tenant, logger: db.logger)
        await #expect(throws: CairnError.self) {
            _ = try await store.linkProxied(try ArtifactPath(decoded: "d"), version: 1, of: "m", maxFiles: 10, in: tenant, by: "t", logger: db.logger)
        }
        #expect(try await store.files(version: 1, of: "m", in: tenant, logger: db.logger).files.isEmpty)
    }
}
