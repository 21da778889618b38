/// How Cairn finds and checks people in the directory. `{username}` and `{dn}` in the filters are replaced by the
/// RFC 4515-escaped user name and user DN.
public struct LDAPConfiguration: Sendable {
    public var url: String
    public var bindDN: String
    public var bindPassword: String
    public var userBase: String
    public var userFilter: String
    /// The attribute holding a person's login name (`uid`; Active Directory: `sAMAccountName`). Its value, read back
    /// from the entry, is the person's one identity, whatever spelling they typed.
    public var usernameAttribute: String
    public var groupBase: String
    public var groupFilter: String
    /// Seconds for connecting and for each operation.
    public var timeout: Int
    /// Upgrade `ldap://` with StartTLS; failure to upgrade is an error, never a plaintext fallback.
    public var startTLS: Bool
    /// CA certificates (PEM) that sign the directory's certificate, for ldaps:// and StartTLS.
    public var caFile: String?
    /// Verify the directory's certificate and host name (default). Turning it off is for throwaway setups only.
    public var verifyCertificate: Bool
    /// Directory operations that may run at once; as many more may wait, beyond that callers get 503 at once.
    public var maxConcurrentOperations: Int

    var usesTLS: Bool { startTLS || url.lowercased().hasPrefix("ldaps://") }

    public init(
        url: String, bindDN: String, bindPassword: String, userBase: String, userFilter: String = "(uid={username})",
        usernameAttribute: String = "uid", groupBase: String, groupFilter: String = "(&(objectClass=groupOfNames)(member={dn}))", timeout: Int = 5,
        startTLS: Bool = false, caFile: String? = nil, verifyCertificate: Bool = true, maxConcurrentOperations: Int = 16
    ) {
        self.url = url
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.userBase = userBase
        self.userFilter = userFilter
        self.usernameAttribute = usernameAttribute
        self.groupBase = groupBase
        self.groupFilter = groupFilter
        self.timeout = timeout
        self.startTLS = startTLS
        self.caFile = caFile
        self.verifyCertificate = verifyCertificate
        self.maxConcurrentOperations = maxConcurrentOperations
    }
}
