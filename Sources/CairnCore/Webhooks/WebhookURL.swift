import Foundation

/// A webhook's target, checked for shape: http(s) only, a host, no credentials, no fragment, at most 2,048 bytes.
/// Where it may point is `OutboundPolicy`'s question, asked when the webhook is saved and again before every send.
public struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let isTLS: Bool
    /// Lowercased; IPv6 without brackets.
    public let host: String
    public let port: Int
    /// The request target: path and query, still percent-encoded.
    public let target: String

    public init(_ text: String) throws(CairnError) {
        guard text.utf8.count <= 2048 else { throw .invalid("The webhook URL is longer than 2,048 bytes.") }
        guard !text.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }),
            let url = URLComponents(string: text), let scheme = url.scheme?.lowercased()
        else { throw .invalid("'\(text.prefix(200))' is not a URL.") }
        guard scheme == "http" || scheme == "https" else { throw .invalid("Webhook URLs must be http or https, not '\(scheme.prefix(20))'.") }
        guard var host = url.percentEncodedHost?.lowercased(), !host.isEmpty else { throw .invalid("The webhook URL has no host.") }
        guard url.user == nil, url.password == nil else {
            throw .invalid("Webhook URLs may not carry credentials; receivers verify the signature instead.")
        }
        guard url.fragment == nil else { throw .invalid("Webhook URLs may not have a fragment (#…).") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:_".contains($0)) }) else {
            throw .invalid("The webhook URL's host '\(host.prefix(100))' is not a host name or an IP address.")
        }
        // WHATWG URL parsing (and inet_aton) read a last label that is a number as IPv4: 0x7f000001, 2130706433,
        // 0177.1. Only the canonical dotted form is accepted, so what is checked is what is dialled.
        if let last = host.split(separator: ".").last, last.allSatisfy(\.isNumber) || last.hasPrefix("0x"), !host.contains(":"),
            IPAddress(host) == nil
        {
            throw .invalid("The webhook URL's host '\(host.prefix(100))' is an ambiguous numeric address; write it as a.b.c.d.")
        }
        if host.contains(":"), IPAddress(host) == nil { throw .invalid("The webhook URL's host '\(host.prefix(100))' is not an IPv6 address.") }
        let isTLS = scheme == "https"
        let port = url.port ?? (isTLS ? 443 : 80)
        guard (1...65_535).contains(port) else { throw .invalid("The webhook URL's port must be between 1 and 65535.") }
        var target = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
        if let query = url.percentEncodedQuery { target += "?" + query }
        self.text = text
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.target = target
    }

    public var description: String { text }

    /// The `Host` header: the host with a non-default port.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }
}
