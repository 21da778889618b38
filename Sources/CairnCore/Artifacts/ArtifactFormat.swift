/// What kind of model file this is, from its name and its first bytes. Recorded per file at upload.
public enum ArtifactFormat: String, Sendable, Codable, CaseIterable {
    case onnx, safetensors, pytorch, pickle, joblib, savedmodel, gguf, plain

    /// Loading the file runs code it contains: pickle and joblib by design, and PyTorch checkpoints too, which are
    /// zip archives of pickles (`torch.load` without `weights_only`).
    public var executesCode: Bool {
        switch self {
        case .pickle, .joblib, .pytorch: true
        case .onnx, .safetensors, .savedmodel, .gguf, .plain: false
        }
    }

    public var warning: String? {
        guard executesCode else { return nil }
        return "Loading this \(rawValue) file runs code it contains; load it only if you trust who uploaded it, or convert it to safetensors or ONNX."
    }

    /// How many leading bytes `detect` looks at.
    public static let headLength = 16

    public static func detect(path: ArtifactPath, head: some Collection<UInt8>) -> ArtifactFormat {
        let head = Array(head.prefix(headLength))
        let name = path.fileName.lowercased()
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last ?? "") : ""
        // A pickle is dangerous whatever it is called, so the content decides first.
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) { return ext == "joblib" ? .joblib : .pickle }
        if head.starts(with: Array("GGUF".utf8)) { return .gguf }
        switch ext {
        case "pkl", "pickle": return .pickle
        case "joblib": return .joblib
        case "pt", "pth", "ckpt": return .pytorch
        case "onnx": return .onnx
        case "safetensors": return .safetensors
        case "gguf": return .gguf
        default: break
        }
        if name == "saved_model.pb" || name == "saved_model.pbtxt" || path.segments.dropLast().last == "variables" && name.hasPrefix("variables.") {
            return .savedmodel
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]), ext == "bin" { return .pytorch }  // torch.save's zip format
        if head.count >= 9, head[8] == UInt8(ascii: "{"), ext == "bin" || ext.isEmpty {
            let headerLength = head[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if headerLength > 1, headerLength < 100_000_000 { return .safetensors }
        }
        return .plain
    }

    /// The Content-Type a download is served with. Anything a browser could render as active content is served as
    /// an opaque download (with `Content-Disposition: attachment` and `nosniff` as well).
    public static func mediaType(for path: ArtifactPath) -> String {
        let name = path.fileName.lowercased()
        if name == "mlmodel" { return "application/yaml" }
        switch name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last ?? "") : "" {
        case "json": return "application/json"
        case "yaml", "yml": return "application/yaml"
        case "txt", "cfg", "ini", "toml", "py": return "text/plain; charset=utf-8"
        case "md": return "text/markdown; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        case "parquet": return "application/vnd.apache.parquet"
        case "gz", "tgz": return "application/gzip"
        case "zip": return "application/zip"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        default: return "application/octet-stream"
        }
    }
}
