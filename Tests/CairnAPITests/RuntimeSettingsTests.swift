import CairnServer
import Foundation
import Testing

/// The sizing settings: defaults derived from the machine, explicit values kept, nonsense refused at start-up.
@Suite struct RuntimeSettingsTests {
    private func settings(_ environment: [String: String]) throws -> Settings {
        try Settings(file: nil, environment: environment)
    }

    @Test func defaultsFollowTheCores() throws {
        let defaults = try settings([:])
        let runtime = try ProcessRuntime(defaults)
        #expect(runtime.eventLoopThreads >= 1)
        #expect(runtime.nioExecutor)
        #expect(try defaults.databaseMaxConnections == min(64, max(8, 4 * runtime.eventLoopThreads)))
    }

    @Test func explicitValuesAreKept() throws {
        let chosen = try settings([
            "CAIRN_EVENT_LOOP_THREADS": "3", "CAIRN_NIO_EXECUTOR": "false", "CAIRN_DATABASE_MAX_CONNECTIONS": "12",
        ])
        let runtime = try ProcessRuntime(chosen)
        #expect(runtime.eventLoopThreads == 3)
        #expect(!runtime.nioExecutor)
        #expect(try chosen.databaseMaxConnections == 12)
    }

    @Test(arguments: [
        ["CAIRN_EVENT_LOOP_THREADS": "-1"], ["CAIRN_EVENT_LOOP_THREADS": "two"], ["CAIRN_NIO_EXECUTOR": "maybe"],
    ])
    func badThreadingIsRefused(_ environment: [String: String]) throws {
        #expect(throws: SettingsError.self) { try ProcessRuntime(try settings(environment)) }
    }

    @Test(arguments: ["-4", "many"]) func aBadPoolSizeIsRefused(_ value: String) throws {
        let bad = try settings(["CAIRN_DATABASE_MAX_CONNECTIONS": value])
        #expect(throws: SettingsError.self) { try bad.databaseMaxConnections }
    }
}
