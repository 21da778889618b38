import CairnCore
import Foundation
public import Hummingbird
import Logging

/// `/healthz` (the process answers) and `/readyz` (it can serve: database and directory reachable), open to all.
public enum HealthRoutes {
    public static func register(on router: Router<CairnRequestContext>, checks: HealthChecks, table: EndpointTable) {
        router.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
        let probe = ReadinessProbe(freshFor: checks.freshness) { logger in await Readiness.check(checks, logger: logger) }
        router.get("readyz") { _, context in
            let readiness = await probe.current(logger: context.logger)
            return try Response.json(JSONValue.object(readiness.body), status: readiness.ready ? .ok : .serviceUnavailable)
        }
        for path in ["/healthz", "/readyz"] { table.append(Endpoint(method: .get, path: path, access: .open)) }
    }
}
