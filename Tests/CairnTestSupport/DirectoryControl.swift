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

        public static func stop() async throws {
            let pid = try pid()
            kill(pid, SIGCONT)
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }

        public static func start() async throws {
            let dir = try directory
            let urls = try String(contentsOfFile: dir + "/urls", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            // slapd daemonises: the shell points its output at /dev/null so the daemon holds no pipe of ours.
            try run(
                "/bin/sh",
                [
                    "-c", "exec /usr/sbin/runuser -u openldap -- /usr/sbin/slapd -F \"$0\" -h \"$1\" </dev/null >/dev/null 2>&1", dir + "/slapd.d",
                    urls,
                ])
            for _ in 0..<100 {
                if (try? run("/usr/bin/ldapsearch", ["-x", "-H", try url, "-b", "", "-s", "base"])) != nil { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TestSetupError("the outage slapd did not come back")
        }
    }

    /// Runs a short program to completion (directory edits, tens of milliseconds); a non-zero exit throws with its
    /// output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let (status, output) = try Subprocess.runBlocking(executable, arguments, input: input)
        guard status == 0 else { throw TestSetupError("\(executable) failed (\(status)): \(output)") }
        return output
    }
}
