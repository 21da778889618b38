public import Foundation

/// A file the MLflow client stored through the artifact proxy, at a path of the tenant's artifact tree
/// (`mlflow-artifacts:/<path>`). Its content is a blob, as a version file's is.
public struct ProxiedArtifact: Sendable, Equatable {
    public let path: ArtifactPath
    public let size: Int64
    public let digest: BlobDigest
    public let createdAt: Date
    public let createdBy: String

    public init(path: ArtifactPath, size: Int64, digest: BlobDigest, createdAt: Date, createdBy: String) {
        self.path = path
        self.size = size
        self.digest = digest
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// One level of the proxied tree under a directory, as MLflow lists it: files with their size, and directories.
public struct ArtifactListing: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The entry's name within the listed directory.
        public let name: String
        public let isDirectory: Bool
        public let size: Int64?

        public init(name: String, isDirectory: Bool, size: Int64?) {
            self.name = name
            self.isDirectory = isDirectory
            self.size = size
        }
    }

    public let entries: [Entry]

    /// Groups the files under `directory` (nil: the root) into its direct children, in byte order of name.
    public init(_ files: [ProxiedArtifact], under directory: ArtifactPath?) {
        let prefix = directory.map { $0.value + "/" } ?? ""
        var seen: [String: Entry] = [:]
        for file in files where file.path.value.hasPrefix(prefix) {
            let rest = file.path.value.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                let name = String(rest[..<slash])
                if seen[name] == nil { seen[name] = Entry(name: name, isDirectory: true, size: nil) }
            } else {
                seen[String(rest)] = Entry(name: String(rest), isDirectory: false, size: file.size)
            }
        }
        entries = seen.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}
