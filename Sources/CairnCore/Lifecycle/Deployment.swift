public import Foundation

public struct Deployment: Sendable, Equatable {
    public let id: UUID
    public let modelName: String
    public let version: Int
    public let environment: String
    public let target: String
    public let from: Date
    /// nil while serving.
    public let until: Date?
    public let comment: String
    public let deployedBy: String
    public let undeployedBy: String?

    public init(
        id: UUID, modelName: String, version: Int, environment: String, target: String, from: Date, until: Date?, comment: String,
        deployedBy: String, undeployedBy: String?
    ) {
        self.id = id
        self.modelName = modelName
        self.version = version
        self.environment = environment
        self.target = target
        self.from = from
        self.until = until
        self.comment = comment
        self.deployedBy = deployedBy
        self.undeployedBy = undeployedBy
    }
}

public struct NewDeployment: Sendable {
    public let environment: String
    public let target: String
    public let comment: String

    public init(environment: String, target: String, comment: String?) throws(CairnError) {
        let shape = ASCIIShape.matches(
            environment, count: 1...63, first: ASCIIShape.isLowerOrDigit,
            rest: { ASCIIShape.isLowerOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        guard shape else {
            throw .invalid("'environment' is 1 to 63 lower-case letters, digits, '-' or '_' (e.g. prod, staging, eu-prod).")
        }
        let target = String(target.trimmingWhitespace())
        guard (1...256).contains(target.count), !target.contains("\u{0}") else { throw .invalid("'target' must be 1 to 256 characters.") }
        self.environment = environment
        self.target = target
        self.comment = try Limits.text(comment ?? "", field: "comment", max: 5000)
    }
}
