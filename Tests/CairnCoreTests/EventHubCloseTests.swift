import CairnCore
import Foundation
import Testing

/// A stopping replica closes its hub: every live subscription ends, and so does any opened afterwards, none of them
/// marked as having fallen behind (so their followers return instead of resuming from the outbox).
@Suite struct EventHubCloseTests {
    @Test func closingEndsLiveAndLaterSubscriptionsWithoutOverflow() async throws {
        let hub = EventHub(bufferSize: 4)
        let tenant = UUID()
        let live = await hub.subscribe(tenantID: tenant)
        let other = await hub.subscribe(tenantID: UUID())
        #expect(await hub.subscriberCount == 2)

        await hub.close()
        var received = 0
        for await _ in live.events { received += 1 }
        for await _ in other.events { received += 1 }
        #expect(received == 0)
        #expect(!live.overflowed && !other.overflowed)

        let later = await hub.subscribe(tenantID: tenant)
        for await _ in later.events { received += 1 }
        #expect(received == 0)
        #expect(!later.overflowed)
    }
}
