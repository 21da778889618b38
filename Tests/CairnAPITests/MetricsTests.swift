import CairnAPI
import CairnCore
import CairnHTTPKit
import CairnLDAP
import CairnPostgres
import CairnServer
import CairnTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A directory that counts what it is asked, in front of the real one.
final class CountingDirectory: Directory {
    let base: any Directory
    private let calls = Mutex(0)

    init(_ base: any Directory) {
        self.base = base
    }

    var count: Int { calls.withLock { $0 } }

    func authenticate(_ credentials: Credentials, logger: Logger) async throws -> Principal {
        calls.withLock { $0 += 1 }
        return try await base.authenticate(credentials, logger: logger)
    }

    func lookup(username: String, logger: Logger) async throws -> Principal {
        calls.withLock { $0 += 1 }
        return try await base.lookup(username: username, logger: logger)
    }

    func isHealthy(logger: Logger) async -> Bool {
        calls.withLock { $0 += 1 }
        return await base.isHealthy(logger: logger)
    }
}

@Suite struct MetricsTests {
    /// Requests are counted and timed per route (the template, not the tenant's name) and status, refusals included.
    @Test func requestsAreCountedAndTimedPerRouteAndStatus() async throws {
        let harness = try await APIHarness.make()
        let tenant = try await harness.db.makeTenant("metrics")
        try await harness.run { api in
            for _ in 0..<3 { #expect(try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/models", as: "carol").status == .ok) }
            #expect(try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/models", as: nil).status == .unauthorized)
            let scrape = try await api.call(.get, "/metrics", as: nil)
            #expect(scrape.status == .ok)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let route = #"http_route="/api/v1/tenants/{tenant}/models",http_request_method="GET""#
            #expect(scrape.text.contains("# TYPE http_server_request_duration histogram"))
            #expect(scrape.text.contains(#"http_server_request_duration_bucket{\#(route),http_response_status_code="200",le="+Inf"}"#))
            #expect(scrape.text.contains(#"http_server_request_duration_count{\#(route),http_response_status_code="401"}"#))
            #expect(!scrape.text.contains(tenant.slug.value), "a tenant's name is not a label")
        }
    }

    /// A scrape reads what was recorded: it asks the directory nothing and needs no database (here the injected pool
    /// points at a port where nothing listens, and the directory counts its calls).
    @Test func aScrapeAsksNeitherTheDirectoryNorTheDatabase() async throws {
        let directory = CountingDirectory(LDAPDirectory(configuration: try TestEnvironment.ldapConfiguration()))
        var settings = try Settings(file: nil)
        settings.override("artifacts.root", try TestEnvironment.scratchDirectory("artifacts"))
        settings.override("database.url", "postgresql://cairn_app:x@127.0.0.1:1/none?sslmode=disable")
        var configuration = try ServerConfiguration(settings)
        (configuration.artifactSweepInterval, configuration.outboxMaintenance) = (nil, nil)
        (configuration.webhookDispatcher, configuration.retentionInterval) = (nil, nil)
        var logger = Logger(label: "cairn.test.metrics")
        logger.logLevel = .critical
        let unreachable = Database(client: PostgresClient(configuration: configuration.databaseURL.configuration, backgroundLogger: logger))
        let server = try Server(
            configuration, injected: .init(database: unreachable, directory: directory, blobs: try TestBlobs.shared(), relay: nil),
            logger: logger)
        try await server.application().test(.router) { client in
            let api = APIClient(client: client)
            for _ in 0..<5 {
                let scrape = try await api.call(.get, "/metrics", as: nil)
                #expect(scrape.status == .ok)
                #expect(scrape.text.contains("# TYPE"))
            }
        }
        #expect(directory.count == 0)
    }
}
