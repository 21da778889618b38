public import Foundation

/// One file of a version's tree, as recorded in the registry.
public struct VersionFile: Sendable, Equatable {
    public let path: ArtifactPath
    public let size: Int64
    public let digest: BlobDigest
    public let mediaType: String
    public let format: ArtifactFormat
    public let createdAt: Date
    public let createdBy: String
    /// The latest integrity sweep's finding for this file's content.
    public let integrity: BlobIntegrity?

    public init(
        path: ArtifactPath, size: Int64, digest: BlobDigest, mediaType: String, format: ArtifactFormat, createdAt: Date, createdBy: String,
        integrity: BlobIntegrity? = nil
    ) {
        self.path = path
        self.size = size
        self.digest = digest
        self.mediaType = mediaType
        self.format = format
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.integrity = integrity
    }
}

/// A file about to be recorded: its content is stored (but not yet visible) and hashed.
public struct NewVersionFile: Sendable {
    public let path: ArtifactPath
    public let blob: StoredBlob
    public let mediaType: String
    public let format: ArtifactFormat

    public init(path: ArtifactPath, blob: StoredBlob, mediaType: String, format: ArtifactFormat) {
        self.path = path
        self.blob = blob
        self.mediaType = mediaType
        self.format = format
    }
}

/// A version's files and whether they may still change.
public struct VersionFiles: Sendable {
    public let status: VersionStatus
    /// Set when the version became READY: `FilesManifest.digest` of its files.
    public let filesDigest: BlobDigest?
    public let files: [VersionFile]

    public init(status: VersionStatus, filesDigest: BlobDigest?, files: [VersionFile]) {
        self.status = status
        self.filesDigest = filesDigest
        self.files = files
    }
}

/// The identity of a whole file tree: SHA-256 over one line per file, `<sha256> <size> <path>\n`, sorted by the
/// path's UTF-8 bytes. The database computes the same value when a version becomes READY (sql/0008_artifacts.sql).
public enum FilesManifest {
    public static func text(of files: [(path: ArtifactPath, digest: BlobDigest, size: Int64)]) -> String {
        files.sorted { $0.path < $1.path }.map { "\($0.digest.hex) \($0.size) \($0.path.value)\n" }.joined()
    }
}

/// What the last integrity check found for a blob.
public struct BlobIntegrity: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case intact, missing, corrupt
    }

    public let state: State
    public let checkedAt: Date
    public let detail: String?

    public init(state: State, checkedAt: Date, detail: String? = nil) {
        self.state = state
        self.checkedAt = checkedAt
        self.detail = detail
    }
}

/// A version file whose content the sweep found missing or corrupt.
public struct BrokenFile: Sendable, Equatable {
    public let modelName: String
    public let version: Int
    public let path: ArtifactPath
    public let digest: BlobDigest
    public let integrity: BlobIntegrity

    public init(modelName: String, version: Int, path: ArtifactPath, digest: BlobDigest, integrity: BlobIntegrity) {
        self.modelName = modelName
        self.version = version
        self.path = path
        self.digest = digest
        self.integrity = integrity
    }
}
