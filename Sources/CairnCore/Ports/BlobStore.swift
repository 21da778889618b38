public import Foundation

/// Content-addressed storage of file contents, one namespace per tenant (no cross-tenant deduplication: a shared
/// blob would tell one tenant that another holds the same file).
public protocol BlobStore: Sendable {
    /// A new, invisible upload in `tenant`'s namespace.
    func beginUpload(tenant: UUID) async throws -> any BlobUpload
    /// The stored length, or nil when the blob does not exist.
    func size(of digest: BlobDigest, tenant: UUID) async throws -> Int64?
    /// Reads `range` (the whole blob when nil) in chunks. Throws `RESOURCE_DOES_NOT_EXIST` when the blob is missing.
    func reader(for digest: BlobDigest, tenant: UUID, range: ClosedRange<Int64>?) async throws -> any BlobReader
    /// Re-reads the whole blob and compares its SHA-256 and length with what it should be.
    func check(_ digest: BlobDigest, expectedSize: Int64, tenant: UUID) async throws -> BlobIntegrity.State
    /// Every visible blob of the tenant, with its modification time.
    func blobs(tenant: UUID) async throws -> [(digest: BlobDigest, modified: Date)]
    func remove(_ digest: BlobDigest, tenant: UUID) async throws
    /// Deletes uploads abandoned before `cutoff` (a crashed server's temp files). Returns how many.
    func removeAbandonedUploads(tenant: UUID, olderThan cutoff: Date) async throws -> Int
}

/// One upload in progress. Used by one task at a time: write, write, …, finish, then publish or discard.
public protocol BlobUpload: Sendable {
    func write(_ bytes: some Collection<UInt8> & Sendable) async throws
    /// Flushes and syncs the content; it stays invisible. Returns its digest and length.
    func finish() async throws -> StoredBlob
    /// Makes the finished content visible under its digest (atomically). If that blob already exists, the upload is
    /// dropped and the existing blob kept.
    func publish() async throws
    /// Removes whatever was written. Safe to call at any point, and more than once.
    func discard() async
}

public protocol BlobReader: Sendable {
    /// The next chunk, or nil at the end.
    func next() async throws -> [UInt8]?
    func close() async
}
