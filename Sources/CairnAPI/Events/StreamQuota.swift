import CairnCore
import CairnHTTPKit

/// Open event streams per person on this replica: each holds a connection, a hub subscription and a task, so one
/// caller (or one leaked script) may hold at most `limit`; the next is refused with 429 until one closes.
actor StreamQuota {
    private let limit: Int
    private var open: [String: Int] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire(_ caller: String) throws(CairnError) {
        let key = LoginName(caller).key
        let count = open[key, default: 0]
        guard count < limit else {
            throw CairnError(.requestLimitExceeded, "You have \(count) event streams open here; close one first.", retryAfter: 5)
        }
        open[key] = count + 1
    }

    func release(_ caller: String) {
        let key = LoginName(caller).key
        let count = open[key, default: 1] - 1
        open[key] = count > 0 ? count : nil
    }
}
