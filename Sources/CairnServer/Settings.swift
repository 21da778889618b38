public import CairnLDAP
public import Foundation
public import Logging
import Yams

/// Settings, layered: built-in defaults < YAML file (`--config` / CAIRN_CONFIG) < environment < command-line flags.
/// Keys mirror the code (`http.port`, `ldap.url`); each has an environment name (`CAIRN_HTTP_PORT`, `CAIRN_LDAP_URL`).
public struct Settings: Sendable {
    public static let keys: [(key: String, env: String, secret: Bool)] = [
        ("http.host", "CAIRN_HTTP_HOST", false),
        ("http.port", "CAIRN_HTTP_PORT", false),
        ("http.shutdown_grace_seconds", "CAIRN_HTTP_SHUTDOWN_GRACE_SECONDS", false),
        ("console.idle_minutes", "CAIRN_CONSOLE_IDLE_MINUTES", false),
        ("console.absolute_hours", "CAIRN_CONSOLE_ABSOLUTE_HOURS", false),
        ("console.secure_cookies", "CAIRN_CONSOLE_SECURE_COOKIES", false),
        ("database.url", "CAIRN_DATABASE_URL", true),
        ("database.migration_url", "CAIRN_MIGRATION_DATABASE_URL", true),
        ("database.max_connections", "CAIRN_DATABASE_MAX_CONNECTIONS", false),
        ("server.event_loop_threads", "CAIRN_EVENT_LOOP_THREADS", false),
        ("server.nio_executor", "CAIRN_NIO_EXECUTOR", false),
        ("ldap.url", "CAIRN_LDAP_URL", false),
        ("ldap.bind_dn", "CAIRN_LDAP_BIND_DN", false),
        ("ldap.bind_password", "CAIRN_LDAP_BIND_PASSWORD", true),
        ("ldap.bind_password_file", "CAIRN_LDAP_BIND_PASSWORD_FILE", false),
        ("ldap.user_base", "CAIRN_LDAP_USER_BASE", false),
        ("ldap.user_filter", "CAIRN_LDAP_USER_FILTER", false),
        ("ldap.username_attribute", "CAIRN_LDAP_USERNAME_ATTRIBUTE", false),
        ("ldap.group_base", "CAIRN_LDAP_GROUP_BASE", false),
        ("ldap.group_filter", "CAIRN_LDAP_GROUP_FILTER", false),
        ("ldap.timeout_seconds", "CAIRN_LDAP_TIMEOUT_SECONDS", false),
        ("ldap.start_tls", "CAIRN_LDAP_START_TLS", false),
        ("ldap.ca_file", "CAIRN_LDAP_CA_FILE", false),
        ("ldap.verify_certificate", "CAIRN_LDAP_VERIFY_CERTIFICATE", false),
        ("ldap.max_concurrent_operations", "CAIRN_LDAP_MAX_CONCURRENT_OPERATIONS", false),
        ("ldap.cache_ttl_seconds", "CAIRN_LDAP_CACHE_TTL_SECONDS", false),
        ("auth.token_max_days", "CAIRN_TOKEN_MAX_DAYS", false),
        ("auth.access_cache_ttl_seconds", "CAIRN_ACCESS_CACHE_TTL_SECONDS", false),
        ("auth.platform_admin_group", "CAIRN_PLATFORM_ADMIN_GROUP", false),
        ("auth.login_failures_per_user", "CAIRN_LOGIN_FAILURES_PER_USER", false),
        ("auth.login_failures_per_address", "CAIRN_LOGIN_FAILURES_PER_ADDRESS", false),
        ("artifacts.root", "CAIRN_ARTIFACT_ROOT", false),
        ("artifacts.max_file_size_bytes", "CAIRN_ARTIFACT_MAX_FILE_SIZE_BYTES", false),
        ("artifacts.max_files_per_version", "CAIRN_ARTIFACT_MAX_FILES_PER_VERSION", false),
        ("artifacts.upload_timeout_seconds", "CAIRN_ARTIFACT_UPLOAD_TIMEOUT_SECONDS", false),
        ("artifacts.sweep_interval_seconds", "CAIRN_ARTIFACT_SWEEP_INTERVAL_SECONDS", false),
        ("artifacts.io_threads", "CAIRN_ARTIFACT_IO_THREADS", false),
        ("events.heartbeat_seconds", "CAIRN_EVENTS_HEARTBEAT_SECONDS", false),
        ("events.subscriber_buffer", "CAIRN_EVENTS_SUBSCRIBER_BUFFER", false),
        ("events.retention_days", "CAIRN_EVENTS_RETENTION_DAYS", false),
        ("events.prune_interval_seconds", "CAIRN_EVENTS_PRUNE_INTERVAL_SECONDS", false),
        ("events.max_streams_per_caller", "CAIRN_EVENTS_MAX_STREAMS_PER_CALLER", false),
        ("webhooks.delivery_retention_days", "CAIRN_WEBHOOK_DELIVERY_RETENTION_DAYS", false),
        ("webhooks.allow_hosts", "CAIRN_WEBHOOK_ALLOW_HOSTS", false),
        ("webhooks.timeout_seconds", "CAIRN_WEBHOOK_TIMEOUT_SECONDS", false),
        ("webhooks.max_attempts", "CAIRN_WEBHOOK_MAX_ATTEMPTS", false),
        ("webhooks.retry_base_ms", "CAIRN_WEBHOOK_RETRY_BASE_MS", false),
        ("webhooks.retry_max_ms", "CAIRN_WEBHOOK_RETRY_MAX_MS", false),
        ("webhooks.concurrency", "CAIRN_WEBHOOK_CONCURRENCY", false),
        ("webhooks.poll_interval_ms", "CAIRN_WEBHOOK_POLL_INTERVAL_MS", false),
        ("webhooks.tenants", "CAIRN_WEBHOOK_TENANTS", false),
        ("webhooks.ca_file", "CAIRN_WEBHOOK_CA_FILE", false),
        ("retention.interval_seconds", "CAIRN_RETENTION_INTERVAL_SECONDS", false),
        ("retention.batch_size", "CAIRN_RETENTION_BATCH_SIZE", false),
        ("retention.lease_seconds", "CAIRN_RETENTION_LEASE_SECONDS", false),
        ("retention.tenants", "CAIRN_RETENTION_TENANTS", false),
        ("migrations.directory", "CAIRN_MIGRATIONS_DIR", false),
        ("log.level", "CAIRN_LOG_LEVEL", false),
    ]

    public static let defaults: [String: String] = [
        "http.host": "127.0.0.1",
        "http.port": "8080",
        "http.shutdown_grace_seconds": "25",
        "console.idle_minutes": "30",
        "console.absolute_hours": "12",
        "console.secure_cookies": "auto",
        "database.max_connections": "0",
        "server.event_loop_threads": "0",
        "server.nio_executor": "true",
        "ldap.user_filter": "(uid={username})",
        "ldap.username_attribute": "uid",
        "ldap.group_filter": "(&(objectClass=groupOfNames)(member={dn}))",
        "ldap.timeout_seconds": "5",
        "ldap.start_tls": "false",
        "ldap.verify_certificate": "true",
        "ldap.max_concurrent_operations": "16",
        "ldap.cache_ttl_seconds": "60",
        "auth.token_max_days": "90",
        "auth.access_cache_ttl_seconds": "5",
        "auth.login_failures_per_user": "5",
        "auth.login_failures_per_address": "20",
        "artifacts.max_file_size_bytes": "68719476736",
        "artifacts.max_files_per_version": "1000",
        "artifacts.upload_timeout_seconds": "3600",
        "artifacts.sweep_interval_seconds": "86400",
        "artifacts.io_threads": "4",
        "events.heartbeat_seconds": "15",
        "events.subscriber_buffer": "1024",
        "events.retention_days": "30",
        "events.prune_interval_seconds": "3600",
        "events.max_streams_per_caller": "16",
        "webhooks.delivery_retention_days": "30",
        "webhooks.timeout_seconds": "10",
        "webhooks.max_attempts": "15",
        "webhooks.retry_base_ms": "10000",
        "webhooks.retry_max_ms": "3600000",
        "webhooks.concurrency": "16",
        "webhooks.poll_interval_ms": "500",
        "retention.interval_seconds": "3600",
        "retention.batch_size": "500",
        "retention.lease_seconds": "300",
        "log.level": "info",
    ]

    public private(set) var values: [String: String]

    public init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        values = Self.defaults
        if let path = file ?? environment["CAIRN_CONFIG"] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let root = try Yams.load(yaml: text) else { throw SettingsError("\(path) is empty") }
            var flat: [String: String] = [:]
            try Self.flatten(root, prefix: "", into: &flat)
            let known = Set(Self.keys.map(\.key))
            if let unknown = flat.keys.sorted().first(where: { !known.contains($0) }) {
                throw SettingsError("\(path): unknown setting '\(unknown)'")
            }
            values.merge(flat) { _, new in new }
        }
        for (key, env, _) in Self.keys {
            if let value = environment[env], !value.isEmpty { values[key] = value }
        }
    }

    public mutating func override(_ key: String, _ value: String?) {
        if let value { values[key] = value }
    }

    public func string(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }

    public func require(_ key: String) throws -> String {
        guard let value = string(key) else {
            let env = Self.keys.first { $0.key == key }?.env ?? key
            throw SettingsError("Missing setting '\(key)' (environment \(env))")
        }
        return value
    }

    public func int(_ key: String) throws -> Int {
        let raw = try require(key)
        guard let value = Int(raw) else { throw SettingsError("Setting '\(key)' must be a whole number, not '\(raw)'") }
        return value
    }

    public func bool(_ key: String) throws -> Bool {
        switch try require(key).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        case let other: throw SettingsError("Setting '\(key)' must be true or false, not '\(other)'")
        }
    }

    public var logLevel: Logger.Level { string("log.level").flatMap(Logger.Level.init(rawValue:)) ?? .info }

    public func ldapConfiguration() throws -> LDAPConfiguration {
        var password = string("ldap.bind_password")
        if let file = string("ldap.bind_password_file") {
            password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        guard let password else {
            throw SettingsError("Missing setting 'ldap.bind_password' (environment CAIRN_LDAP_BIND_PASSWORD or CAIRN_LDAP_BIND_PASSWORD_FILE)")
        }
        return LDAPConfiguration(
            url: try require("ldap.url"), bindDN: try require("ldap.bind_dn"), bindPassword: password,
            userBase: try require("ldap.user_base"), userFilter: try require("ldap.user_filter"),
            usernameAttribute: try require("ldap.username_attribute"),
            groupBase: try require("ldap.group_base"), groupFilter: try require("ldap.group_filter"),
            timeout: try int("ldap.timeout_seconds"), startTLS: try bool("ldap.start_tls"), caFile: string("ldap.ca_file"),
            verifyCertificate: try bool("ldap.verify_certificate"), maxConcurrentOperations: try int("ldap.max_concurrent_operations"))
    }

    /// For the start-up log line: every setting, secrets redacted.
    public var redacted: String {
        Self.keys.compactMap { key, _, secret in
            values[key].map { "\(key)=\(secret ? "<redacted>" : Self.redactingURLPassword($0))" }
        }.joined(separator: " ")
    }

    private static func redactingURLPassword(_ value: String) -> String {
        guard var url = URLComponents(string: value), url.password != nil else { return value }
        url.password = "redacted"
        return url.string ?? "<redacted>"
    }

    private static func flatten(_ node: Any, prefix: String, into flat: inout [String: String]) throws {
        if let map = node as? [String: Any] {
            for (key, value) in map { try flatten(value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &flat) }
        } else if let map = node as? [AnyHashable: Any] {
            for (key, value) in map { try flatten(value, prefix: prefix.isEmpty ? "\(key)" : "\(prefix).\(key)", into: &flat) }
        } else if node is NSNull {
            return  // a section left empty, e.g. with every key commented out
        } else if node is [Any] {
            throw SettingsError("setting '\(prefix)' must be a single value, not a list")
        } else {
            flat[prefix] = "\(node)"
        }
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Settings {
    public func commandLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
