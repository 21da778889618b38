import Foundation

/// A version's lifecycle stage (MLflow's names). The rules for changing it live with the lifecycle.
public enum Stage: String, Sendable, Codable, CaseIterable {
    case none = "None"
    case staging = "Staging"
    case production = "Production"
    case archived = "Archived"

    public init(validating raw: String) throws(CairnError) {
        guard let stage = Stage.allCases.first(where: { $0.rawValue.lowercased() == raw.lowercased() }) else {
            throw .invalid("Unknown stage '\(raw.prefix(80))'; expected one of \(Stage.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self = stage
    }
}

/// Registration status (MLflow's names): a version is PENDING while its files arrive, then READY or FAILED.
public enum VersionStatus: String, Sendable, Codable, CaseIterable {
    case pendingRegistration = "PENDING_REGISTRATION"
    case ready = "READY"
    case failedRegistration = "FAILED_REGISTRATION"

    public init(validating raw: String) throws(CairnError) {
        guard let status = VersionStatus(rawValue: raw) else {
            throw .invalid("Unknown status '\(raw.prefix(80))'; expected one of \(VersionStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self = status
    }

    /// Registration only moves forward: PENDING → READY or FAILED, never back.
    public func canMove(to next: VersionStatus) -> Bool {
        self == next || self == .pendingRegistration
    }
}
