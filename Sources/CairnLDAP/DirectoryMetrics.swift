import Metrics

/// The directory's load as swift-metrics records it: calls waiting for or holding a thread, how long each took,
/// and how many were refused because too many were waiting.
enum DirectoryMetrics {
    static let inFlight = Meter(label: "cairn_ldap_operations_in_flight")
    static let duration = Timer(label: "cairn_ldap_operation_duration_seconds")
    static let refused = Counter(label: "cairn_ldap_operations_refused_total")
}

extension Duration {
    var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}
