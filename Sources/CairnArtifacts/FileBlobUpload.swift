import CairnCore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Collects writes into two aligned buffers of `chunkSize`: while one is hashed and written on the store's thread
/// pool, the next fills from the network. The file is opened with O_DIRECT where the filesystem allows it, so the
/// bytes go from the buffer to the disk without a copy through the page cache (the last, partial block is padded and
/// the file truncated to its length).
actor FileBlobUpload: BlobUpload {
    private let store: FileBlobStore
    private let tenant: UUID
    private let temporaryPath: String
    private let direct: Bool
    private var descriptor: Int32?
    private let state = HashState()
    private var buffers: [AlignedBuffer]
    private var current = 0
    private var inFlight: Task<Void, any Error>?
    private var offset: Int64 = 0
    private var finished: StoredBlob?
    private var published = false

    init(store: FileBlobStore, tenant: UUID, temporaryPath: String, descriptor: Int32, direct: Bool) {
        self.store = store
        self.tenant = tenant
        self.temporaryPath = temporaryPath
        self.descriptor = descriptor
        self.direct = direct
        buffers = [AlignedBuffer(capacity: store.chunkSize), AlignedBuffer(capacity: store.chunkSize)]
    }

    func write(_ bytes: some Collection<UInt8> & Sendable) async throws {
        guard finished == nil, descriptor != nil else { throw CairnError(.internalError, "write after finish") }
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let taken = buffers[current].append(remaining)
            remaining = remaining.dropFirst(taken)
            if buffers[current].isFull { try await submitCurrent() }
        }
    }

    /// Starts hashing and writing the current buffer once the previous one is done, and switches to the other.
    private func submitCurrent() async throws {
        guard let fd = descriptor else { throw CairnError(.internalError, "upload already closed") }
        try await inFlight?.value
        inFlight = nil
        let buffer = buffers[current]
        let (at, direct, state, store) = (offset, direct, state, self.store)
        offset += Int64(buffer.count)
        inFlight = Task { try await store.run { try buffer.hashAndWrite(to: fd, at: at, padded: direct, into: state) } }
        current = 1 - current
        buffers[current].count = 0
    }

    func finish() async throws -> StoredBlob {
        if let finished { return finished }
        if buffers[current].count > 0 { try await submitCurrent() }
        try await inFlight?.value
        inFlight = nil
        guard let fd = descriptor else { throw CairnError(.internalError, "upload already closed") }
        descriptor = nil
        let size = offset
        try await store.run {
            defer { close(fd) }
            try POSIX.check(ftruncate(fd, off_t(size)), "truncate upload")
            try POSIX.check(fsync(fd), "sync upload")
        }
        let blob = StoredBlob(digest: BlobDigest(bytes: state.hasher.finalize()), size: size)
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
            try POSIX.check(chmod(source, 0o400), "protect blob")
            try POSIX.check(rename(source, target), "publish blob")
            try POSIX.syncDirectory(directory)
        }
        published = true
    }

    func discard() async {
        _ = try? await inFlight?.value
        inFlight = nil
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

/// The running SHA-256 of an upload. Only the one write job in flight touches it, and jobs run one after another.
final class HashState: @unchecked Sendable {
    var hasher = SHA256()
}

/// A page-aligned buffer (as O_DIRECT needs). Filled by the upload's actor, then handed to one write job at a time.
final class AlignedBuffer: @unchecked Sendable {
    static let alignment = 4096
    let pointer: UnsafeMutableRawPointer
    let capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = (capacity + Self.alignment - 1) / Self.alignment * Self.alignment
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, Self.alignment, self.capacity) != 0 || raw == nil {
            raw = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: Self.alignment)
        }
        pointer = raw ?? UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: Self.alignment)
    }

    deinit { free(pointer) }

    var isFull: Bool { count == capacity }

    /// Copies as much of `bytes` as fits; returns how many.
    func append(_ bytes: some Collection<UInt8>) -> Int {
        let room = capacity - count
        let taken = Swift.min(room, bytes.count)
        let target = UnsafeMutableRawBufferPointer(start: pointer + count, count: taken)
        let copied =
            bytes.withContiguousStorageIfAvailable { source -> Int in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(source)[0..<taken]))
                return taken
            }
            ?? {
                var index = 0
                for byte in bytes.prefix(taken) {
                    target[index] = byte
                    index += 1
                }
                return index
            }()
        count += copied
        return copied
    }

    /// Hashes the filled part and writes it at `offset`; `padded` writes whole alignment blocks (O_DIRECT).
    func hashAndWrite(to fd: Int32, at offset: Int64, padded: Bool, into state: HashState) throws {
        state.hasher.update(bufferPointer: UnsafeRawBufferPointer(start: pointer, count: count))
        var length = count
        if padded, length % Self.alignment != 0 {
            let rounded = (length + Self.alignment - 1) / Self.alignment * Self.alignment
            (pointer + length).initializeMemory(as: UInt8.self, repeating: 0, count: rounded - length)
            length = rounded
        }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        do {
            try POSIX.writeAll(fd, bytes, at: offset)
        } catch let failure as POSIX.Failure where padded && failure.code == EINVAL {
            // A filesystem that accepted O_DIRECT at open but not for this write: carry on through the page cache.
            try POSIX.check(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~(POSIX.directIOFlag ?? 0)), "leave direct I/O")
            try POSIX.writeAll(fd, bytes, at: offset)
        }
    }
}

/// Reads a byte range in chunks on the store's thread pool, one chunk ahead: the next read runs while the caller
/// sends the current one.
actor FileBlobReader: BlobReader {
    private let store: FileBlobStore
    private var descriptor: Int32?
    private var offset: Int64
    private var remaining: Int64
    private var ahead: Task<[UInt8], any Error>?

    init(store: FileBlobStore, descriptor: Int32, offset: Int64, remaining: Int64) {
        self.store = store
        self.descriptor = descriptor
        self.offset = offset
        self.remaining = remaining
    }

    /// A response that was never sent (the client went away first) still closes its file.
    deinit {
        if let descriptor { Glibc.close(descriptor) }
    }

    func next() async throws -> [UInt8]? {
        if ahead == nil { readAhead() }
        guard let pending = ahead else {
            await close()
            return nil
        }
        ahead = nil
        let chunk: [UInt8]
        do {
            chunk = try await pending.value
        } catch {
            await close()
            throw error
        }
        readAhead()
        return chunk
    }

    /// Starts reading the next chunk, if any is left.
    private func readAhead() {
        guard remaining > 0, let fd = descriptor else { return }
        let count = Int(min(Int64(store.chunkSize), remaining))
        let (at, store) = (offset, self.store)
        offset += Int64(count)
        remaining -= Int64(count)
        ahead = Task {
            let chunk = try await store.run { try POSIX.read(fd, count: count, at: at) }
            guard chunk.count == count else { throw CairnError(.internalError, "The stored file ended early; it may have been truncated.") }
            return chunk
        }
    }

    func close() async {
        _ = try? await ahead?.value
        ahead = nil
        guard let fd = descriptor else { return }
        descriptor = nil
        _ = try? await store.run { _ = Glibc.close(fd) }
    }
}
