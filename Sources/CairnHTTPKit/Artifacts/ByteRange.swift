import Foundation

/// A `Range: bytes=…` request against a file of known length (RFC 9110 §14). Only a single range is served; a
/// multi-range request gets the whole file, which the RFC allows.
public enum ByteRange: Equatable {
    case whole
    case partial(ClosedRange<Int64>)
    case unsatisfiable

    public static func parse(_ header: String?, size: Int64) -> ByteRange {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst("bytes=".count)
        guard !spec.contains(",") else { return .whole }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return .whole }
        let digits = { (text: String) in !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) } }
        switch (parts[0], parts[1]) {
        case ("", let suffix) where digits(suffix):
            guard let length = Int64(suffix), length > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - length)...(size - 1))
        case (let first, "") where digits(first):
            guard let start = Int64(first), start < size else { return .unsatisfiable }
            return .partial(start...(size - 1))
        case (let first, let last) where digits(first) && digits(last):
            guard let start = Int64(first), let end = Int64(last), start <= end else { return .whole }
            guard start < size else { return .unsatisfiable }
            return .partial(start...min(end, size - 1))
        default:
            return .whole
        }
    }
}
