import CLDAP
import CairnCore
import Foundation

/// One libldap connection. Not thread-safe and not Sendable: create, use and drop it inside one blocking function.
final class LDAPHandle {
    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation): \(String(cString: ldap_err2string(code))) (\(code))" }
        var isInvalidCredentials: Bool {
            code == cairn_ldap_invalid_credentials || code == cairn_ldap_unwilling_to_perform || code == cairn_ldap_inappropriate_auth
        }
    }

    private let ld: OpaquePointer
    private let timeout: Int

    convenience init(_ configuration: LDAPConfiguration) throws(Failure) {
        try self.init(url: configuration.url, timeout: configuration.timeout)
        if configuration.usesTLS { try secure(configuration) }
    }

    init(url: String, timeout: Int) throws(Failure) {
        var handle: OpaquePointer?
        let rc = ldap_initialize(&handle, url)
        guard rc == cairn_ldap_success, let handle else { throw Failure(operation: "initialize \(url)", code: rc) }
        ld = handle
        self.timeout = timeout
        var version = cairn_ldap_version3
        ldap_set_option(ld, cairn_ldap_opt_protocol_version, &version)
        ldap_set_option(ld, cairn_ldap_opt_referrals, nil)  // LDAP_OPT_OFF is a null pointer
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        ldap_set_option(ld, cairn_ldap_opt_network_timeout, &limit)
        ldap_set_option(ld, cairn_ldap_opt_timeout, &limit)
    }

    /// TLS for this handle only (a new TLS context), certificate and host name checked unless turned off.
    private func secure(_ configuration: LDAPConfiguration) throws(Failure) {
        if let caFile = configuration.caFile {
            let rc = ldap_set_option(ld, cairn_ldap_opt_x_tls_cacertfile, caFile)
            guard rc == cairn_ldap_success else { throw Failure(operation: "TLS CA file", code: rc) }
        }
        var requirement = configuration.verifyCertificate ? cairn_ldap_x_tls_demand : cairn_ldap_x_tls_allow
        ldap_set_option(ld, cairn_ldap_opt_x_tls_require_cert, &requirement)
        var isServer: Int32 = 0
        let rc = ldap_set_option(ld, cairn_ldap_opt_x_tls_newctx, &isServer)
        guard rc == cairn_ldap_success else { throw Failure(operation: "TLS context", code: rc) }
        if configuration.startTLS {
            let started = ldap_start_tls_s(ld, nil, nil)
            guard started == cairn_ldap_success else { throw Failure(operation: "StartTLS", code: started) }
        }
    }

    deinit {
        ldap_unbind_ext_s(ld, nil, nil)
    }

    /// A simple bind. Callers refuse empty passwords before getting here.
    func bind(dn: String, password: String) throws(Failure) {
        var bytes = Array(password.utf8).map { CChar(bitPattern: $0) }
        let rc = bytes.withUnsafeMutableBufferPointer { buffer in
            var credential = berval(bv_len: ber_len_t(buffer.count), bv_val: buffer.baseAddress)
            return ldap_sasl_bind_s(ld, dn, nil, &credential, nil, nil, nil)  // nil mechanism = LDAP_SASL_SIMPLE
        }
        for i in bytes.indices { bytes[i] = 0 }
        guard rc == cairn_ldap_success else { throw Failure(operation: "bind", code: rc) }
    }

    /// DNs of the entries under `base` matching `filter` (no attributes fetched: "1.1" asks for none).
    func searchDNs(base: String, filter: String, sizeLimit: Int32 = 1000) throws(Failure) -> [String] {
        try searchEntries(base: base, filter: filter, attribute: "1.1", sizeLimit: sizeLimit).map(\.dn)
    }

    /// The entries under `base` matching `filter`, each with the values of one attribute (at most `sizeLimit`).
    func searchEntries(base: String, filter: String, attribute: String, sizeLimit: Int32) throws(Failure) -> [(dn: String, values: [String])] {
        var attributes: [UnsafeMutablePointer<CChar>?] = [strdup(attribute), nil]
        defer { free(attributes[0]) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        var result: OpaquePointer?
        let rc = ldap_search_ext_s(ld, base, cairn_ldap_scope_subtree, filter, &attributes, 0, nil, nil, &limit, sizeLimit, &result)
        defer { if let result { ldap_msgfree(result) } }
        if rc == cairn_ldap_no_such_object { return [] }
        guard rc == cairn_ldap_success || rc == cairn_ldap_size_limit_exceeded else { throw Failure(operation: "search", code: rc) }
        var entries: [(dn: String, values: [String])] = []
        var entry = ldap_first_entry(ld, result)
        while let current = entry {
            if let dn = ldap_get_dn(ld, current) {
                entries.append((String(cString: dn), values(of: attribute, in: current)))
                ldap_memfree(dn)
            }
            entry = ldap_next_entry(ld, current)
        }
        return entries
    }

    private func values(of attribute: String, in entry: OpaquePointer) -> [String] {
        guard let values = ldap_get_values_len(ld, entry, attribute) else { return [] }
        defer { ldap_value_free_len(values) }
        var decoded: [String] = []
        var index = 0
        while let value = values[index] {
            let bytes = UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len))
            decoded.append(String(decoding: bytes, as: UTF8.self))
            index += 1
        }
        return decoded
    }

    /// RFC 4515 escaping of an assertion value (`*`, `(`, `)`, `\`, NUL and non-ASCII bytes).
    static func escapeFilterValue(_ value: String) -> String {
        var bytes = Array(value.utf8).map { CChar(bitPattern: $0) }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var input = berval(bv_len: ber_len_t(buffer.count), bv_val: buffer.baseAddress)
            var output = berval(bv_len: 0, bv_val: nil)
            guard ldap_bv2escaped_filter_value(&input, &output) == 0, let escaped = output.bv_val else {
                return Self.fallbackEscape(value)
            }
            defer { ber_memfree(escaped) }
            return String(cString: escaped)
        }
    }

    private static func fallbackEscape(_ value: String) -> String {
        value.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"), 0, 0x80...:
                String(format: "\\%02x", byte)
            default: String(UnicodeScalar(byte))
            }
        }.joined()
    }
}
