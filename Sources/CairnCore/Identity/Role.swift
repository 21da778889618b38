import Foundation

/// A tenant role. Each role includes the rights of the ones below it: reader < contributor < approver < admin.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case reader
    case contributor
    case approver
    case admin

    private var rank: Int { Role.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    public init(validating raw: String) throws(CairnError) {
        guard let role = Role(rawValue: raw) else {
            throw .invalid("Unknown role '\(raw)'; expected one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self = role
    }
}
