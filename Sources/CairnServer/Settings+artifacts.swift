public import CairnApp
import CairnArtifacts
public import CairnCore
public import CairnPostgres

extension Settings {
    public var artifactLimits: ArtifactLimits {
        get throws {
            let maxSize = try int("artifacts.max_file_size_bytes")
            let maxFiles = try int("artifacts.max_files_per_version")
            let timeout = try int("artifacts.upload_timeout_seconds")
            guard maxSize > 0, maxFiles > 0, timeout > 0 else {
                throw SettingsError("artifacts.max_file_size_bytes, max_files_per_version and upload_timeout_seconds must be positive")
            }
            return ArtifactLimits(maxFileSize: Int64(maxSize), maxFilesPerVersion: maxFiles, uploadTimeout: .seconds(timeout))
        }
    }

    /// Uploads untouched for longer than this are a crashed server's leftovers: the upload timeout plus an hour.
    public var abandonedUploadAge: Duration {
        get throws { .seconds(try int("artifacts.upload_timeout_seconds") + 3600) }
    }

    public func artifactService(database: Database) throws -> ArtifactService {
        let threads = try int("artifacts.io_threads")
        guard threads > 0 else { throw SettingsError("artifacts.io_threads must be positive") }
        return ArtifactService(
            blobs: try FileBlobStore(root: try require("artifacts.root"), threads: threads), store: PostgresArtifactStore(database: database),
            limits: try artifactLimits)
    }
}
