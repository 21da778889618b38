import CairnCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves a webhook host to its addresses with getaddrinfo, on NIO's blocking-I/O pool. IP literals are not looked up.
struct HostResolver: Sendable {
    func addresses(of url: WebhookURL) async throws -> [IPAddress] {
        if let literal = IPAddress(url.host) { return [literal] }
        let host = url.host
        return try await NIOThreadPool.singleton.runIfActive { try Self.getaddrinfo(host) }
    }

    private static func getaddrinfo(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = Glibc.getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw CairnError.invalid("The webhook host '\(host)' does not resolve: \(String(cString: gai_strerror(status))).")
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor?.pointee {
            if let address = entry.ai_addr {
                switch entry.ai_family {
                // By offset (sockaddr_in: family, port, address; sockaddr_in6: family, port, flow info, address).
                case AF_INET:
                    let raw = UnsafeRawBufferPointer(start: address, count: MemoryLayout<sockaddr_in>.size)
                    if let parsed = IPAddress(bytes: Array(raw[4..<8])) { addresses.append(parsed) }
                case AF_INET6:
                    let raw = UnsafeRawBufferPointer(start: address, count: MemoryLayout<sockaddr_in6>.size)
                    if let parsed = IPAddress(bytes: Array(raw[8..<24])) { addresses.append(parsed) }
                default: break
                }
            }
            cursor = entry.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
