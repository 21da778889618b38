import CairnCore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects writes into chunks of `chunkSize`; each chunk is hashed and written on the store's thread pool.
actor FileBlobUpload: BlobUpload {
    private let store: FileBlobStore
    private let tenant: UUID
    private let temporaryPath: String
    private var descriptor: Int32?
    private var hasher = SHA256()
    private var staging: [UInt8] = []
    private var size: Int64 = 0
    private var finished: StoredBlob?
    private var published = false

    init(store: FileBlobStore, tenant: UUID, temporaryPath: String, descriptor: Int32) {
        self.store = store
        self.tenant = tenant
        self.temporaryPath = temporaryPath
        self.descriptor = descriptor
        staging.reserveCapacity(store.chunkSize)
    }

    func write(_ bytes: some Collection<UInt8> & Sendable) async throws {
        guard finished == nil else { throw CairnError(.internalError, "write after finish") }
        staging.append(contentsOf: bytes)
        if staging.count >= store.chunkSize { try await flush() }
    }

    private func flush() async throws {
        guard !staging.isEmpty else { return }
        guard let fd = descriptor else { throw CairnError(.internalError, "upload already closed") }
        let chunk = staging
        staging = []
        staging.reserveCapacity(store.chunkSize)
        let before = hasher
        hasher = try await store.run {
            try POSIX.writeAll(fd, chunk)
            var after = before
            after.update(data: chunk)
            return after
        }
        size += Int64(chunk.count)
    }

    func finish() async throws -> StoredBlob {
        if let finished { return finished }
        try await flush()
        guard let fd = descriptor else { throw CairnError(.internalError, "upload already closed") }
        descriptor = nil
        try await store.run {
            defer { close(fd) }
            _ = try POSIX.check(fsync(fd), "sync upload")
        }
        let blob = StoredBlob(digest: BlobDigest(bytes: hasher.finalize()), size: size)
        finished = blob
        return blob
    }

    func publish() async throws {
        guard let blob = finished else { throw CairnError(.internalError, "publish before finish") }
        guard !published else { return }
        let source = temporaryPath
        let directory = store.blobDirectory(blob.digest, tenant: tenant)
        let target = store.blobPath(blob.digest, tenant: tenant)
        // Renaming over an existing blob is harmless (same content) and repairs one a sweep found corrupt.
        try await store.run {
            try POSIX.makeDirectories(directory)
            _ = try POSIX.check(chmod(source, 0o400), "protect blob")
            _ = try POSIX.check(rename(source, target), "publish blob")
            try POSIX.syncDirectory(directory)
        }
        published = true
    }

    func discard() async {
        let fd = descriptor
        descriptor = nil
        guard !published else { return }
        let path = temporaryPath
        _ = try? await store.run {
            if let fd { close(fd) }
            unlink(path)
        }
    }
}

/// Reads a byte range in chunks on the store's thread pool.
actor FileBlobReader: BlobReader {
    private let store: FileBlobStore
    private var descriptor: Int32?
    private var offset: Int64
    private var remaining: Int64

    init(store: FileBlobStore, descriptor: Int32, offset: Int64, remaining: Int64) {
        self.store = store
        self.descriptor = descriptor
        self.offset = offset
        self.remaining = remaining
    }

    func next() async throws -> [UInt8]? {
        guard remaining > 0, let fd = descriptor else {
            await close()
            return nil
        }
        let count = Int(min(Int64(store.chunkSize), remaining))
        let at = offset
        let chunk = try await store.run { try POSIX.read(fd, count: count, at: at) }
        guard !chunk.isEmpty else {
            await close()
            throw CairnError(.internalError, "The stored file ended early; it may have been truncated.")
        }
        offset += Int64(chunk.count)
        remaining -= Int64(chunk.count)
        return chunk
    }

    func close() async {
        guard let fd = descriptor else { return }
        descriptor = nil
        _ = try? await store.run { _ = Glibc.close(fd) }
    }
}
