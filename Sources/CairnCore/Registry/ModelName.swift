public import Foundation

/// A registered model's name: NFC-normalised, trimmed, 1–256 characters, printable, single-script letters.
/// `lookalikeKey` folds case and confusable letters, so "Fraud-Model" and "fraud-mоdel" (Cyrillic о) collide.
public struct ModelName: Hashable, Sendable, CustomStringConvertible {
    public static let maxLength = 256
    public let value: String
    public let lookalikeKey: String

    public init(_ raw: String) throws(CairnError) {
        let name = String(raw.precomposedStringWithCanonicalMapping.trimmingWhitespace())
        guard !name.isEmpty else { throw .invalid("A model name must not be empty.") }
        guard name.count <= Self.maxLength else { throw .invalid("A model name must be at most \(Self.maxLength) characters.") }
        for scalar in name.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator:
                throw .invalid(
                    "A model name must not contain control, invisible or unassigned characters (found U+\(String(scalar.value, radix: 16, uppercase: true)))."
                )
            case .spaceSeparator where scalar != " ":
                throw .invalid("A model name may contain only ordinary spaces.")
            default: break
            }
        }
        if name.contains("/") || name.contains("\\") {
            throw .invalid("A model name must not contain '/' or '\\' (names appear in URL paths).")
        }
        let scripts = Set(name.unicodeScalars.compactMap(Self.script(of:)))
        if scripts.count > 1 {
            throw .invalid("A model name must not mix letters of different scripts (found \(scripts.sorted().joined(separator: ", "))).")
        }
        self.value = name
        self.lookalikeKey = Self.skeleton(of: name)
    }

    public var description: String { value }

    /// The form names are stored in, for looking up a name given in a URL.
    public static func lookupForm(_ raw: String) -> String {
        String(raw.precomposedStringWithCanonicalMapping.trimmingWhitespace())
    }

    /// Case-folded compatibility form with common Cyrillic and Greek homoglyphs mapped to Latin.
    static func skeleton(of name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            if let mapped = confusables[scalar] {
                out.append(contentsOf: mapped.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static let confusables: [Unicode.Scalar: String] = [
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
        "ı": "i", "ℓ": "l",
    ]

    private static func script(of scalar: Unicode.Scalar) -> String? {
        guard scalar.properties.isAlphabetic else { return nil }
        switch scalar.value {
        case 0x0041...0x024F, 0x1E00...0x1EFF: return "Latin"
        case 0x0370...0x03FF, 0x1F00...0x1FFF: return "Greek"
        case 0x0400...0x052F: return "Cyrillic"
        case 0x0590...0x05FF: return "Hebrew"
        case 0x0600...0x06FF: return "Arabic"
        case 0x3040...0x30FF, 0x4E00...0x9FFF: return "CJK"
        case 0xAC00...0xD7AF: return "Hangul"
        default: return "Other"
        }
    }
}
