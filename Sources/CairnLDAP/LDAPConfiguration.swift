/// How Cairn finds and checks people in the directory. `{username}` and `{dn}` in the filters are replaced by the
/// RFC 4515-escaped user name and user DN.
public struct LDAPConfiguration: Sendable {
    public var url: String
    public var bindDN: String
    public var bindPassword: String
    public var userBase: String
    public var userFilter: String
    public var groupBase: String
    public var groupFilter: String
    /// Seconds for connecting and for each operation.
    public var timeout: Int

    public init(
        url: String, bindDN: String, bindPassword: String, userBase: String, userFilter: String = "(uid={username})",
        groupBase: String, groupFilter: String = "(&(objectClass=groupOfNames)(member={dn}))", timeout: Int = 5
    ) {
        self.url = url
        self.bindDN = bindDN
        self.bindPassword = bindPassword
        self.userBase = userBase
        self.userFilter = userFilter
        self.groupBase = groupBase
        self.groupFilter = groupFilter
        self.timeout = timeout
    }
}
