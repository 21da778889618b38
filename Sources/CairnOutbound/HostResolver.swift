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
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin_addr) { addresses.append(IPAddress(bytes: Array($0))!) }
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        withUnsafeBytes(of: $0.pointee.sin6_addr) { addresses.append(IPAddress(bytes: Array($0))!) }
                    }
                default: break
                }
            }
            cursor = entry.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
