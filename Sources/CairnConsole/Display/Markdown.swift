import Foundation

/// A small, safe Markdown for descriptions and model cards: every character is HTML-escaped first, then headings,
/// lists, fenced code, paragraphs, `code`, **strong**, *emphasis* and http(s) links are recognised in the escaped
/// text. Raw HTML is never passed through, and a link can only be http or https.
enum Markdown {
    static func html(_ source: String) -> String {
        var blocks: [String] = []
        var paragraph: [String] = []
        var list: [String] = []
        var code: [String]?

        func flush() {
            if !paragraph.isEmpty { blocks.append("<p>" + paragraph.map(inline).joined(separator: " ") + "</p>") }
            if !list.isEmpty { blocks.append("<ul>" + list.map { "<li>" + inline($0) + "</li>" }.joined() + "</ul>") }
            paragraph = []
            list = []
        }

        for rawLine in source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var lines = code {
                if trimmed.hasPrefix("```") {
                    blocks.append("<pre><code>" + lines.map(escape).joined(separator: "\n") + "</code></pre>")
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                flush()
                code = []
            } else if trimmed.isEmpty {
                flush()
            } else if let level = heading(trimmed) {
                flush()
                let text = trimmed.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
                blocks.append("<h\(level + 2)>" + inline(text) + "</h\(level + 2)>")
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                if !paragraph.isEmpty { flush() }
                list.append(String(trimmed.dropFirst(2)))
            } else {
                if !list.isEmpty { flush() }
                paragraph.append(trimmed)
            }
        }
        if let lines = code { blocks.append("<pre><code>" + lines.map(escape).joined(separator: "\n") + "</code></pre>") }
        flush()
        return blocks.joined(separator: "\n")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func heading(_ line: String) -> Int? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...4).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    // Immutable after start-up; NSRegularExpression matching is thread-safe. The patterns are constants the console's
    // page tests render (ConsolePageTests); one that did not compile would leave its markup as escaped text, not crash.
    nonisolated(unsafe) private static let rules: [(NSRegularExpression, String)] = [
        ("`([^`]+)`", "<code>$1</code>"),
        ("\\*\\*([^*]+)\\*\\*", "<strong>$1</strong>"),
        ("(?<![*\\w])\\*([^*\\s][^*]*)\\*(?![*\\w])", "<em>$1</em>"),
        ("\\[([^\\]]+)\\]\\((https?://[^\\s()]+)\\)", "<a href=\"$2\" rel=\"nofollow noopener noreferrer\">$1</a>"),
    ].compactMap { pattern, template in (try? NSRegularExpression(pattern: pattern)).map { ($0, template) } }

    private static func inline(_ text: String) -> String {
        var html = escape(text)
        for (pattern, template) in rules {
            html = pattern.stringByReplacingMatches(in: html, range: NSRange(html.startIndex..., in: html), withTemplate: template)
        }
        return html
    }
}
