import CairnArtifacts
import CairnCore
import CairnTestSupport
import Crypto
import Foundation
import Testing

/// The filesystem blob store on its own: visibility, ranges, integrity checks, cleanup.
@Suite struct FileBlobStoreTests {
    let store: FileBlobStore
    let tenant = UUID()

    init() throws {
        store = try FileBlobStore(root: try TestEnvironment.scratchDirectory("blobs"), threads: 2, chunkSize: 4096)
    }

    func write(_ bytes: [UInt8], chunk: Int = 1000) async throws -> (any BlobUpload, StoredBlob) {
        let upload = try await store.beginUpload(tenant: tenant)
        var index = 0
        while index < bytes.count {
            try await upload.write(Array(bytes[index..<min(bytes.count, index + chunk)]))
            index += chunk
        }
        return (upload, try await upload.finish())
    }

    func uploadsDirectory() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "\(store.root)/\(tenant.uuidString.lowercased())/uploads")) ?? []
    }

    @Test func contentIsInvisibleUntilPublishedAndAddressedByItsDigest() async throws {
        let bytes = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let (upload, blob) = try await write(bytes)
        #expect(blob.digest == BlobDigest(bytes: SHA256.hash(data: bytes)))
        #expect(blob.size == 50_000)
        #expect(try await store.size(of: blob.digest, tenant: tenant) == nil)
        #expect(try await store.blobs(tenant: tenant).isEmpty)
        #expect(uploadsDirectory().count == 1)

        try await upload.publish()
        await upload.discard()  // after publishing: nothing to remove
        #expect(try await store.size(of: blob.digest, tenant: tenant) == 50_000)
        #expect(try await store.blobs(tenant: tenant).map(\.digest) == [blob.digest])
        #expect(uploadsDirectory().isEmpty)
        // Another tenant's namespace does not see it.
        #expect(try await store.size(of: blob.digest, tenant: UUID()) == nil)

        let reader = try await store.reader(for: blob.digest, tenant: tenant, range: 1000...1999)
        var read: [UInt8] = []
        while let chunk = try await reader.next() { read += chunk }
        #expect(read == Array(bytes[1000...1999]))
    }

    @Test func discardedUploadsLeaveNothing() async throws {
        let (upload, blob) = try await write([1, 2, 3])
        await upload.discard()
        await upload.discard()
        #expect(try await store.size(of: blob.digest, tenant: tenant) == nil)
        #expect(uploadsDirectory().isEmpty)
        let unfinished = try await store.beginUpload(tenant: tenant)
        try await unfinished.write([9, 9])
        await unfinished.discard()
        #expect(uploadsDirectory().isEmpty)
    }

    @Test func checksFindMissingAndCorruptContent() async throws {
        let bytes = Array("weights".utf8)
        let (upload, blob) = try await write(bytes)
        try await upload.publish()
        #expect(try await store.check(blob.digest, expectedSize: blob.size, tenant: tenant) == .intact)
        #expect(try await store.check(blob.digest, expectedSize: blob.size + 1, tenant: tenant) == .corrupt)

        let path = "\(store.root)/\(tenant.uuidString.lowercased())/blobs/sha256/\(blob.digest.hex.prefix(2))/\(blob.digest.hex)"
        #expect(chmod(path, 0o600) == 0)
        try Data("weightz".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try await store.check(blob.digest, expectedSize: blob.size, tenant: tenant) == .corrupt)

        // Publishing the same content again repairs it.
        let (again, _) = try await write(bytes)
        try await again.publish()
        #expect(try await store.check(blob.digest, expectedSize: blob.size, tenant: tenant) == .intact)

        try await store.remove(blob.digest, tenant: tenant)
        #expect(try await store.check(blob.digest, expectedSize: blob.size, tenant: tenant) == .missing)
        await #expect(throws: CairnError.self) { try await store.reader(for: blob.digest, tenant: tenant, range: nil) }
    }

    @Test func abandonedUploadsAreRemovedOnlyWhenOld() async throws {
        let upload = try await store.beginUpload(tenant: tenant)
        try await upload.write([1])
        #expect(try await store.removeAbandonedUploads(tenant: tenant, olderThan: Date().addingTimeInterval(-60)) == 0)
        #expect(uploadsDirectory().count == 1)
        #expect(try await store.removeAbandonedUploads(tenant: tenant, olderThan: Date().addingTimeInterval(60)) == 1)
        #expect(uploadsDirectory().isEmpty)
    }
}
