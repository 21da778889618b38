import CairnCore
import CairnHTTPKit

struct IntegrityDTO: Encodable {
    let state: String
    let checkedAt: String

    init(_ integrity: BlobIntegrity) {
        state = integrity.state.rawValue
        checkedAt = RFC3339.format(integrity.checkedAt)
    }

    enum CodingKeys: String, CodingKey {
        case state
        case checkedAt = "checked_at"
    }
}

struct FileDTO: Encodable {
    let path: String
    let size: Int64
    let sha256: String
    let mediaType: String
    let format: String
    let executesCode: Bool
    let warning: Nullable<String>
    let integrity: Nullable<IntegrityDTO>
    let createdAt: String
    let createdBy: String

    init(_ file: VersionFile) {
        path = file.path.value
        size = file.size
        sha256 = file.digest.hex
        mediaType = file.mediaType
        format = file.format.rawValue
        executesCode = file.format.executesCode
        warning = Nullable(file.format.warning)
        integrity = Nullable(file.integrity.map(IntegrityDTO.init))
        createdAt = RFC3339.format(file.createdAt)
        createdBy = file.createdBy
    }

    enum CodingKeys: String, CodingKey {
        case path, size, sha256, format, warning, integrity
        case mediaType = "media_type"
        case executesCode = "executes_code"
        case createdAt = "created_at"
        case createdBy = "created_by"
    }
}

struct FileListDTO: Encodable {
    let model: String
    let version: Int
    let status: String
    let filesDigest: Nullable<String>
    let totalSize: Int64
    let files: [FileDTO]

    init(model: String, version: Int, _ files: VersionFiles) {
        self.model = model
        self.version = version
        status = files.status.rawValue
        filesDigest = Nullable(files.filesDigest?.hex)
        totalSize = files.files.reduce(0) { $0 + $1.size }
        self.files = files.files.map(FileDTO.init)
    }

    enum CodingKeys: String, CodingKey {
        case model, version, status, files
        case filesDigest = "files_digest"
        case totalSize = "total_size"
    }
}

struct BrokenFileDTO: Encodable {
    let model: String
    let version: Int
    let path: String
    let sha256: String
    let integrity: IntegrityDTO

    init(_ file: BrokenFile) {
        model = file.modelName
        version = file.version
        path = file.path.value
        sha256 = file.digest.hex
        integrity = IntegrityDTO(file.integrity)
    }
}

struct BrokenFileListDTO: Encodable {
    let brokenFiles: [BrokenFileDTO]

    enum CodingKeys: String, CodingKey {
        case brokenFiles = "broken_files"
    }
}
