import Foundation
public import Hummingbird
import NIOCore
public import Prometheus

/// `GET /metrics`: the process's swift-metrics in Prometheus text format. A scrape only reads what services and the
/// request middleware have recorded; it binds to no directory and counts no table.
public enum MetricsRoutes {
    public static func register(on router: Router<CairnRequestContext>, registry: PrometheusCollectorRegistry, table: EndpointTable) {
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        table.append(Endpoint(method: .get, path: "/metrics", access: .open))
    }
}
