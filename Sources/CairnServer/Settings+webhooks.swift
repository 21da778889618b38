public import CairnCore
public import CairnJobs

extension Settings {
    public func outboundPolicy() throws -> OutboundPolicy {
        do {
            return try OutboundPolicy(parsing: string("webhooks.allow_hosts") ?? "")
        } catch {
            throw SettingsError(error.message)
        }
    }

    /// The dispatcher's settings, or nil when this replica does not deliver (`webhooks.concurrency: 0`).
    public func webhookDispatcher() throws -> WebhookDispatcher<ContinuousClock>.Settings? {
        let concurrency = try int("webhooks.concurrency")
        guard concurrency > 0 else { return nil }
        let timeout = try int("webhooks.timeout_seconds")
        let poll = try int("webhooks.poll_interval_ms")
        guard (1...300).contains(timeout), poll > 0, concurrency <= 256 else {
            throw SettingsError("webhooks.timeout_seconds must be 1–300, poll_interval_ms positive and concurrency at most 256")
        }
        let schedule: RetrySchedule
        do {
            schedule = try RetrySchedule(
                maxAttempts: try int("webhooks.max_attempts"), base: .milliseconds(try int("webhooks.retry_base_ms")),
                cap: .milliseconds(try int("webhooks.retry_max_ms")))
        } catch let error as CairnError {
            throw SettingsError(error.message)
        }
        let tenants = try tenantSlugs("webhooks.tenants")
        return .init(
            schedule: schedule, timeout: .seconds(timeout), concurrency: concurrency, pollInterval: .milliseconds(poll), tenants: tenants)
    }
}
