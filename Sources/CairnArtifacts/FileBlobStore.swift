public import CairnCore
import Crypto
public import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blobs as files under a root directory:
///
///     <root>/<tenant>/blobs/sha256/<first two hex digits>/<hex>    visible, read-only
///     <root>/<tenant>/uploads/<uuid>.part                          being written; never served
///
/// An upload is written to `uploads/` (same filesystem) while it is hashed, synced, then renamed into `blobs/`, and
/// the directory synced: a crash at any point leaves either no blob or a whole one. Every file name below the root
/// is derived from a digest or a UUID, never from a client's input. Blocking file calls run on a dedicated thread pool.
public final class FileBlobStore: BlobStore {
    public let root: String
    let pool: NIOThreadPool
    let chunkSize: Int

    public init(root: String, threads: Int = 4, chunkSize: Int = 1 << 20) throws {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.root = absolute
        self.chunkSize = chunkSize
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    func tenantDirectory(_ tenant: UUID) -> String { "\(root)/\(tenant.uuidString.lowercased())" }
    func blobDirectory(_ digest: BlobDigest, tenant: UUID) -> String {
        "\(tenantDirectory(tenant))/blobs/sha256/\(digest.hex.prefix(2))"
    }
    func blobPath(_ digest: BlobDigest, tenant: UUID) -> String { "\(blobDirectory(digest, tenant: tenant))/\(digest.hex)" }
    func uploadsDirectory(_ tenant: UUID) -> String { "\(tenantDirectory(tenant))/uploads" }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    public func beginUpload(tenant: UUID) async throws -> any BlobUpload {
        let directory = uploadsDirectory(tenant)
        let path = "\(directory)/\(UUID().uuidString.lowercased()).part"
        let (fd, direct) = try await run { () throws -> (Int32, Bool) in
            try POSIX.makeDirectories(directory)
            let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW
            // O_DIRECT where the filesystem supports it (not tmpfs, for one): no copy through the page cache.
            if let direct = POSIX.directIOFlag {
                let fd = open(path, flags | direct, 0o600)
                if fd >= 0 { return (fd, true) }
                guard errno == EINVAL else { throw POSIX.Failure(operation: "create upload file", code: errno) }
            }
            return (try POSIX.check(open(path, flags, 0o600), "create upload file"), false)
        }
        return FileBlobUpload(store: self, tenant: tenant, temporaryPath: path, descriptor: fd, direct: direct)
    }

    public func size(of digest: BlobDigest, tenant: UUID) async throws -> Int64? {
        let path = blobPath(digest, tenant: tenant)
        return try await run { try POSIX.regularFileSize(path) }
    }

    public func reader(for digest: BlobDigest, tenant: UUID, range: ClosedRange<Int64>?) async throws -> any BlobReader {
        let path = blobPath(digest, tenant: tenant)
        let (fd, size) = try await run { () throws -> (Int32, Int64) in
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else {
                if errno == ENOENT { throw CairnError.notFound("The content of this file is missing from the artifact store.") }
                throw POSIX.Failure(operation: "open blob", code: errno)
            }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                close(fd)
                throw POSIX.Failure(operation: "stat blob", code: errno)
            }
            return (fd, Int64(info.st_size))
        }
        let start = range?.lowerBound ?? 0
        let end = min(range?.upperBound ?? size - 1, size - 1)
        return FileBlobReader(store: self, descriptor: fd, offset: start, remaining: max(0, end - start + 1))
    }

    public func check(_ digest: BlobDigest, expectedSize: Int64, tenant: UUID) async throws -> BlobIntegrity.State {
        guard let size = try await size(of: digest, tenant: tenant) else { return .missing }
        guard size == expectedSize else { return .corrupt }
        let reader: any BlobReader
        do {
            reader = try await self.reader(for: digest, tenant: tenant, range: nil)
        } catch let error as CairnError where error.code == .resourceDoesNotExist {
            return .missing
        }
        var hasher = SHA256()
        do {
            while let chunk = try await reader.next() { hasher.update(data: chunk) }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return BlobDigest(bytes: hasher.finalize()) == digest ? .intact : .corrupt
    }

    public func blobs(tenant: UUID) async throws -> [(digest: BlobDigest, modified: Date)] {
        let base = "\(tenantDirectory(tenant))/blobs/sha256"
        return try await run {
            let manager = FileManager.default
            guard manager.fileExists(atPath: base) else { return [] }
            var found: [(digest: BlobDigest, modified: Date)] = []
            for prefix in try manager.contentsOfDirectory(atPath: base) {
                for name in try manager.contentsOfDirectory(atPath: "\(base)/\(prefix)") {
                    guard let digest = BlobDigest(hex: name), name.hasPrefix(prefix) else { continue }
                    let modified = try POSIX.modificationDate("\(base)/\(prefix)/\(name)") ?? .distantPast
                    found.append((digest, modified))
                }
            }
            return found
        }
    }

    public func remove(_ digest: BlobDigest, tenant: UUID) async throws {
        let path = blobPath(digest, tenant: tenant)
        let directory = blobDirectory(digest, tenant: tenant)
        try await run {
            guard unlink(path) == 0 || errno == ENOENT else { throw POSIX.Failure(operation: "remove blob", code: errno) }
            try POSIX.syncDirectory(directory)
        }
    }

    public func removeAbandonedUploads(tenant: UUID, olderThan cutoff: Date) async throws -> Int {
        let directory = uploadsDirectory(tenant)
        return try await run {
            guard FileManager.default.fileExists(atPath: directory) else { return 0 }
            var removed = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".part") {
                let path = "\(directory)/\(name)"
                if let modified = try POSIX.modificationDate(path), modified < cutoff, unlink(path) == 0 { removed += 1 }
            }
            return removed
        }
    }
}
