import Foundation

/// Splits a SQL script into statements at top-level semicolons, respecting quotes, dollar-quoted bodies and
/// comments. PostgresNIO speaks only the extended protocol, which takes one statement at a time.
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        func copy(until end: Int) {
            current.append(contentsOf: chars[i..<min(end, chars.count)])
            i = min(end, chars.count)
        }
        while i < chars.count {
            let c = chars[i]
            let next = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-" && next == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
            } else if c == "/" && next == "*" {
                var depth = 0
                while i < chars.count {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" { depth += 1; i += 2; continue }
                    if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" {
                        depth -= 1
                        i += 2
                        if depth == 0 { break }
                        continue
                    }
                    i += 1
                }
                current.append(" ")
            } else if c == "'" || c == "\"" {
                let backslashes = c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                var j = i + 1
                while j < chars.count {
                    if backslashes && chars[j] == "\\" { j += 2; continue }
                    if chars[j] == c {
                        if j + 1 < chars.count && chars[j + 1] == c { j += 2; continue }
                        break
                    }
                    j += 1
                }
                copy(until: j + 1)
            } else if c == "$", let tag = dollarTag(chars, at: i) {
                let closing = Array(tag.unicodeScalars)
                var j = i + closing.count
                while j < chars.count && !(chars[j] == "$" && Array(chars[j..<min(j + closing.count, chars.count)]) == closing) { j += 1 }
                copy(until: j + closing.count)
            } else if c == ";" {
                flush()
                i += 1
            } else {
                current.append(c)
                i += 1
            }
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `index` (a tag is an identifier not starting with a digit).
    private static func dollarTag(_ chars: [Unicode.Scalar], at index: Int) -> String? {
        if index > 0, chars[index - 1].properties.isAlphabetic || ("0"..."9").contains(chars[index - 1]) || chars[index - 1] == "_" {
            return nil
        }
        var j = index + 1
        while j < chars.count, chars[j] != "$" {
            let s = chars[j]
            guard s.properties.isAlphabetic || s == "_" || (j > index + 1 && ("0"..."9").contains(s)) else { return nil }
            j += 1
        }
        guard j < chars.count else { return nil }
        return String(String.UnicodeScalarView(chars[index...j]))
    }
}
