/// Configured bounds on uploads (`artifacts.*` settings).
public struct ArtifactLimits: Sendable, Equatable {
    public var maxFileSize: Int64
    public var maxFilesPerVersion: Int
    /// The whole upload, first byte to last.
    public var uploadTimeout: Duration

    public init(maxFileSize: Int64 = 64 << 30, maxFilesPerVersion: Int = 1000, uploadTimeout: Duration = .seconds(3600)) {
        self.maxFileSize = maxFileSize
        self.maxFilesPerVersion = maxFilesPerVersion
        self.uploadTimeout = uploadTimeout
    }
}
