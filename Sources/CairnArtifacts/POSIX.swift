import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the system calls the store uses; every failure carries the call and errno.
enum POSIX {
    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))" }
    }

    /// Linux's O_DIRECT, which Glibc's Swift module does not export (it sits behind _GNU_SOURCE).
    static var directIOFlag: Int32? {
        #if os(Linux) && arch(x86_64)
            return 0o40000
        #elseif os(Linux) && arch(arm64)
            return 0o200000
        #else
            return nil
        #endif
    }

    @discardableResult
    static func check(_ result: Int32, _ operation: String) throws -> Int32 {
        guard result >= 0 else { throw Failure(operation: operation, code: errno) }
        return result
    }

    static func makeDirectories(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let written = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", code: errno)
            }
            done += written
        }
    }

    static func read(_ fd: Int32, count: Int, at offset: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let got = try result.withUnsafeMutableBytes { buffer -> Int in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(operation: "read", code: errno)
                }
                if n == 0 { break }
                done += n
            }
            return done
        }
        if got < count { result.removeLast(count - got) }
        return result
    }

    static func syncDirectory(_ path: String) throws {
        let fd = try check(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open directory")
        defer { close(fd) }
        try check(fsync(fd), "sync directory")
    }

    /// nil when nothing is there; refuses anything but a regular file (no symlinks followed).
    static func regularFileSize(_ path: String) throws -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Failure(operation: "stat", code: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func modificationDate(_ path: String) throws -> Date? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw Failure(operation: "stat", code: errno)
        }
        return Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
    }
}
