import Crypto
public import Foundation

/// A webhook's signing secret in the Standard Webhooks form: `whsec_` and the base64 of 32 random bytes. Shown to
/// the admin once, when the webhook is created or the secret rotated.
public struct WebhookSecret: Sendable, Equatable {
    public let text: String
    let key: [UInt8]

    private init(text: String, key: [UInt8]) {
        self.text = text
        self.key = key
    }

    public init(parsing text: String) throws(CairnError) {
        guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))), (24...64).contains(key.count) else {
            throw .invalid("A webhook secret is 'whsec_' followed by the base64 of 24 to 64 bytes.")
        }
        self.text = text
        self.key = Array(key)
    }

    public static func generate() -> WebhookSecret {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return WebhookSecret(text: "whsec_" + Data(key).base64EncodedString(), key: key)
    }

    /// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, the `webhook-signature` header.
    public func signature(messageID: String, timestamp: Int, body: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: Array("\(messageID).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }
}
