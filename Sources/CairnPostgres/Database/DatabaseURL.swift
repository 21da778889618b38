public import Foundation
import NIOSSL
public import PostgresNIO

/// `postgresql://user:password@host:port/database?sslmode=disable|prefer|require|verify-full` as PostgresNIO config.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull }

    public let configuration: PostgresClient.Configuration
    public let tlsMode: TLSMode
    public let password: String?
    public let host: String
    public let port: Int
    public let username: String
    public let database: String

    public init(_ text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else { throw ConfigurationError("Database URL must look like postgresql://user:password@host:5432/database") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw ConfigurationError("Database URL names no database") }
        let mode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable; tlsMode = .disable
        case "prefer", "allow": tls = .prefer(Self.unverified()); tlsMode = .prefer
        case "require": tls = .require(Self.unverified()); tlsMode = .require
        case "verify-ca", "verify-full": tls = .require(.makeClientConfiguration()); tlsMode = .verifyFull
        default: throw ConfigurationError("Unknown sslmode '\(mode)'")
        }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.database = database
        self.password = url.password?.removingPercentEncoding
        var config = PostgresClient.Configuration(
            host: host, port: port, username: username,
            password: url.password?.removingPercentEncoding, database: database, tls: tls)
        config.options.connectTimeout = .seconds(10)
        config.options.maximumConnections = 40
        self.configuration = config
    }

    /// For single dedicated connections (migrations, LISTEN).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: Self.unverified()))
        case .require: tls = .require(try NIOSSLContext(configuration: Self.unverified()))
        case .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// libpq's `require` encrypts without verifying the server certificate; so does this.
    private static func unverified() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return tls
    }

    /// Safe to log: no password.
    public var description: String { "postgresql://\(username)@\(host):\(port)/\(database)" }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
