import Foundation

/// Changes to the test directories that some tests need: group membership (as the directory's admin), and the
/// outage instance (ops/test starts it for tests to stop, start, freeze and thaw; no other test uses it).
public enum DirectoryControl {
    public static func modify(_ ldif: String) throws {
        try run(
            "/usr/bin/ldapmodify",
            [
                "-x", "-H", try TestEnvironment.require("CAIRN_LDAP_URL"), "-D", try TestEnvironment.require("CAIRN_TEST_LDAP_ADMIN_DN"),
                "-w", try TestEnvironment.require("CAIRN_TEST_LDAP_ADMIN_PASSWORD"),
            ],
            input: ldif)
    }

    public static func setMembership(_ userDN: String, of groupDN: String, present: Bool) throws {
        try modify("dn: \(groupDN)\nchangetype: modify\n\(present ? "add" : "delete"): member\nmember: \(userDN)\n")
    }

    public enum Outage {
        static var directory: String { get throws { try TestEnvironment.require("CAIRN_TEST_LDAP_OUTAGE_DIR") } }

        public static var url: String {
            get throws {
                let urls = try String(contentsOfFile: try directory + "/urls", encoding: .utf8)
                return String(urls.split(separator: " ").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }

        static func pid() throws -> Int32 {
            let text = try String(contentsOfFile: try directory + "/slapd.pid", encoding: .utf8)
            guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw TestSetupError("no slapd pid") }
            return pid
        }

        /// SIGSTOP: the port still accepts connections, nothing answers — the worst case for timeouts.
        public static func freeze() throws { kill(try pid(), SIGSTOP) }
        public static func thaw() throws { kill(try pid(), SIGCONT) }

        public static func stop() throws {
            let pid = try pid()
            kill(pid, SIGCONT)
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
        }

        public static func start() throws {
            let dir = try directory
            let urls = try String(contentsOfFile: dir + "/urls", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            try run("/usr/sbin/runuser", ["-u", "openldap", "--", "/usr/sbin/slapd", "-F", dir + "/slapd.d", "-h", urls])
            for _ in 0..<100 {
                if (try? run("/usr/bin/ldapsearch", ["-x", "-H", try url, "-b", "", "-s", "base"])) != nil { return }
                usleep(50_000)
            }
            throw TestSetupError("the outage slapd did not come back")
        }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestSetupError("\(executable) failed (\(process.terminationStatus)): \(text)") }
        return text
    }
}
