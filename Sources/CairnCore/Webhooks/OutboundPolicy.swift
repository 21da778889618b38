import Foundation

/// Where webhooks may be sent. Public addresses are allowed; loopback, private, link-local and other special-use
/// addresses only when the allow-list (`webhooks.allow_hosts`) names them. Every address a host resolves to must
/// pass, and the sender dials the address that was checked, so DNS cannot swap in another between check and send.
public struct OutboundPolicy: Sendable, Equatable {
    public enum Entry: Sendable, Equatable {
        /// A host name as written in the URL, on any port or on one.
        case host(String, port: Int?)
        /// Addresses in a CIDR block (a single address is a /32 or /128), on any port or on one.
        case range(IPRange, port: Int?)
    }

    public let allowList: [Entry]

    public init(allowList: [Entry] = []) {
        self.allowList = allowList
    }

    /// Parses `host, host:port, 10.0.0.0/8, [::1]:8080, 127.0.0.1` (comma- or space-separated).
    public init(parsing text: String) throws(CairnError) {
        var entries: [Entry] = []
        for raw in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let item = raw.lowercased()
            var body = item
            var port: Int?
            if item.hasPrefix("[") {  // [v6] or [v6]:port
                guard let close = item.firstIndex(of: "]") else { throw .invalid("webhooks.allow_hosts: '\(item)' is missing ']'.") }
                body = String(item[item.index(after: item.startIndex)..<close])
                let rest = item[item.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()), (1...65_535).contains(value) else {
                        throw .invalid("webhooks.allow_hosts: '\(item)' has a bad port.")
                    }
                    port = value
                }
            } else if item.filter({ $0 == ":" }).count == 1, let colon = item.firstIndex(of: ":") {  // host:port, v4:port
                guard let value = Int(item[item.index(after: colon)...]), (1...65_535).contains(value) else {
                    throw .invalid("webhooks.allow_hosts: '\(item)' has a bad port.")
                }
                body = String(item[..<colon])
                port = value
            }
            if let range = IPRange(body) {
                entries.append(.range(range, port: port))
            } else if body.contains("/") || body.contains(":") || body.isEmpty
                || !body.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" })
            {
                throw .invalid("webhooks.allow_hosts: '\(item)' is not a host, host:port or CIDR block.")
            } else {
                entries.append(.host(body, port: port))
            }
        }
        allowList = entries
    }

    /// Throws, naming the address and why, unless every one of `addresses` may be dialled for `url`.
    public func check(_ url: WebhookURL, resolvedTo addresses: [IPAddress]) throws(CairnError) {
        guard !addresses.isEmpty else { throw .invalid("The webhook host '\(url.host)' does not resolve to any address.") }
        for address in addresses {
            guard let use = address.specialUse, !permits(url, address) else { continue }
            let shown = url.host == address.description ? url.host : "\(url.host) (\(address))"
            throw .invalid(
                "Webhooks may not be sent to \(shown): it is a \(use) address. An operator can allow it in webhooks.allow_hosts.")
        }
    }

    /// Whether the allow-list names this host (and port) outright, whatever it resolves to.
    public func namesHost(of url: WebhookURL) -> Bool {
        allowList.contains { entry in
            if case .host(let host, let port) = entry { host == url.host && (port == nil || port == url.port) } else { false }
        }
    }

    private func permits(_ url: WebhookURL, _ address: IPAddress) -> Bool {
        allowList.contains { entry in
            switch entry {
            case .host(let host, let port): host == url.host && (port == nil || port == url.port)
            case .range(let range, let port): range.contains(address) && (port == nil || port == url.port)
            }
        }
    }
}
