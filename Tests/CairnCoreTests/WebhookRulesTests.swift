import CairnCore
import Foundation
import Testing

/// Pure rules behind webhooks: where they may be sent, how they are signed, when they are retried.
@Suite struct WebhookRulesTests {
    /// Shape first, then the policy with the addresses a host resolved to.
    private static func refusal(_ url: String, resolvesTo addresses: [String]? = nil, allow: String = "") -> String? {
        do {
            let parsed = try WebhookURL(url)
            let resolved = (addresses ?? [parsed.host]).compactMap(IPAddress.init)
            try OutboundPolicy(parsing: allow).check(parsed, resolvedTo: resolved)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func privateLoopbackAndLinkLocalTargetsAreRefusedWithoutTheAllowList() {
        for url in [
            "http://127.0.0.1/hook", "http://[::1]:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
            "http://192.168.1.20/", "http://172.16.5.4/", "http://100.64.0.1/", "http://0.0.0.0/", "http://[fe80::1]/", "http://[fd00::5]/",
            "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://224.0.0.1/",
        ] {
            let message = Self.refusal(url)
            #expect(message?.contains("may not be sent to") == true, "\(url): \(message ?? "allowed")")
        }
        // A public name that resolves to a private address is refused by what it resolves to.
        #expect(Self.refusal("https://hooks.example.com/x", resolvesTo: ["93.184.215.14", "10.1.2.3"])?.contains("10.1.2.3") == true)
        #expect(Self.refusal("https://hooks.example.com/x", resolvesTo: ["93.184.215.14"]) == nil)
        #expect(Self.refusal("https://hooks.example.com/x", resolvesTo: [])?.contains("does not resolve") == true)
    }

    @Test func numericHostsThatResolversReadAsLoopbackAreRefusedOutright() {
        for url in ["http://0x7f000001/", "http://2130706433/", "http://0177.0.0.1/", "http://127.1/", "http://017700000001/", "http://0x7f.1/"] {
            let message = Self.refusal(url, resolvesTo: ["93.184.215.14"])
            #expect(message?.contains("ambiguous numeric address") == true, "\(url): \(message ?? "allowed")")
        }
    }

    @Test func urlShapeIsChecked() {
        #expect(Self.refusal("ftp://example.com/x", resolvesTo: ["93.184.215.14"])?.contains("http or https") == true)
        #expect(Self.refusal("file:///etc/passwd")?.contains("http or https") == true)
        #expect(Self.refusal("https://user:pw@example.com/", resolvesTo: ["93.184.215.14"])?.contains("credentials") == true)
        #expect(Self.refusal("https://example.com/#x", resolvesTo: ["93.184.215.14"])?.contains("fragment") == true)
        #expect(Self.refusal("https://exa mple.com/")?.contains("not a URL") == true)
        #expect(Self.refusal("https:///nohost")?.contains("no host") == true)
        #expect(Self.refusal("https://example.com:0/", resolvesTo: ["93.184.215.14"])?.contains("port") == true)
        #expect(Self.refusal("https://example.com/" + String(repeating: "a", count: 2100))?.contains("2,048") == true)

        let url = try? WebhookURL("https://Hooks.Example.com:8443/in/cairn?team=risk%20ops")
        #expect(url?.host == "hooks.example.com")
        #expect(url?.port == 8443)
        #expect(url?.target == "/in/cairn?team=risk%20ops")
        #expect(url?.hostHeader == "hooks.example.com:8443")
        #expect((try? WebhookURL("http://[::1]/"))?.hostHeader == "[::1]")
    }

    @Test func theAllowListPermitsHostsPortsAndBlocks() throws {
        #expect(Self.refusal("http://127.0.0.1:9000/", allow: "127.0.0.1") == nil)
        #expect(Self.refusal("http://127.0.0.1:9000/", allow: "127.0.0.1:9000") == nil)
        #expect(Self.refusal("http://127.0.0.1:9001/", allow: "127.0.0.1:9000") != nil, "another port stays refused")
        #expect(Self.refusal("http://10.4.5.6/", allow: "10.0.0.0/8, 192.168.0.0/16") == nil)
        #expect(Self.refusal("http://11.4.5.6/", allow: "10.0.0.0/8") == nil, "public anyway")
        #expect(Self.refusal("http://172.16.0.1/", allow: "10.0.0.0/8") != nil)
        #expect(Self.refusal("http://[::1]:8080/", allow: "[::1]:8080") == nil)
        #expect(Self.refusal("http://receiver.internal/", resolvesTo: ["10.9.9.9"], allow: "receiver.internal") == nil)
        #expect(Self.refusal("http://other.internal/", resolvesTo: ["10.9.9.9"], allow: "receiver.internal") != nil)
        for bad in ["10.0.0.0/33", "host:99999", "[::1", "a/b", "http://x"] {
            #expect(throws: CairnError.self, "\(bad)") { try OutboundPolicy(parsing: bad) }
        }
        #expect(try OutboundPolicy(parsing: " ").allowList.isEmpty)
    }

    @Test func addressesParseStrictlyAndPrintCanonically() {
        #expect(IPAddress("127.0.0.1")?.bytes == [127, 0, 0, 1])
        #expect(IPAddress("127.000.0.1") == nil)
        #expect(IPAddress("256.0.0.1") == nil)
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::ffff:10.0.0.1")?.embeddedIPv4?.description == "10.0.0.1")
        #expect(IPAddress("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
        #expect(IPRange("10.0.0.0/8")?.contains(IPAddress("10.255.0.1")!) == true)
        #expect(IPRange("10.0.0.0/8")?.contains(IPAddress("11.0.0.1")!) == false)
        #expect(IPRange("fc00::/7")?.contains(IPAddress("fd12::1")!) == true)
        #expect(IPAddress("8.8.8.8")?.specialUse == nil)
        #expect(IPAddress("2606:4700::1111")?.specialUse == nil)
    }

    /// The example from the Standard Webhooks specification (and its reference libraries' tests).
    @Test func signaturesFollowStandardWebhooks() throws {
        let secret = try WebhookSecret(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = secret.signature(
            messageID: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let generated = WebhookSecret.generate()
        #expect(generated.text.hasPrefix("whsec_"))
        #expect(generated != WebhookSecret.generate())
        #expect(throws: CairnError.self) { try WebhookSecret(parsing: "not-a-secret") }
    }

    @Test func retriesBackOffExponentiallyWithJitterAndHonourRetryAfter() throws {
        let schedule = try RetrySchedule(maxAttempts: 6, base: .seconds(10), cap: .seconds(60))
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let first = try #require(schedule.delay(afterAttempt: 1, retryAfter: nil, using: &random))
            #expect(first >= .seconds(5) && first <= .seconds(10))
            let third = try #require(schedule.delay(afterAttempt: 3, retryAfter: nil, using: &random))
            #expect(third >= .seconds(20) && third <= .seconds(40))
            let capped = try #require(schedule.delay(afterAttempt: 5, retryAfter: nil, using: &random))
            #expect(capped >= .seconds(30) && capped <= .seconds(60))
            let asked = try #require(schedule.delay(afterAttempt: 1, retryAfter: .seconds(120), using: &random))
            #expect(asked == .seconds(120))
        }
        #expect(schedule.delay(afterAttempt: 6, retryAfter: nil, using: &random) == nil, "the sixth failure dead-letters")
        let limited = try #require(schedule.delay(afterAttempt: 1, retryAfter: .seconds(10_000_000), using: &random))
        #expect(limited == .seconds(86_400))

        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetrySchedule.parseRetryAfter("30", now: now) == .seconds(30))
        #expect(RetrySchedule.parseRetryAfter("Tue, 14 Nov 2023 23:13:20 GMT", now: now) == .seconds(3_600))
        #expect(RetrySchedule.parseRetryAfter("soon", now: now) == nil)
        #expect(throws: CairnError.self) { try RetrySchedule(maxAttempts: 0, base: .seconds(1), cap: .seconds(2)) }
    }
}
