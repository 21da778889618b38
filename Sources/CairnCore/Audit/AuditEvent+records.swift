import Foundation

/// The snapshots stored as an audit entry's before and after.
extension RegisteredModel {
    public var auditJSON: JSONValue {
        .object([
            "id": .string(id.uuidString.lowercased()), "name": .string(name), "description": .string(description),
            "owner": owner.map(JSONValue.string) ?? .null, "tags": .object(tags.mapValues(JSONValue.string)),
        ])
    }
}

extension ModelVersion {
    public var auditJSON: JSONValue {
        .object([
            "model": .string(modelName), "version": .number(Double(version)), "status": .string(status.rawValue),
            "status_message": statusMessage.map(JSONValue.string) ?? .null, "stage": .string(stage.rawValue),
            "description": .string(description), "source": source.map(JSONValue.string) ?? .null,
            "run_id": runID.map(JSONValue.string) ?? .null,
            "lineage": .object([
                "code_repository": lineage.codeRepository.map(JSONValue.string) ?? .null,
                "code_commit": lineage.codeCommit.map(JSONValue.string) ?? .null,
                "dataset_uri": lineage.datasetURI.map(JSONValue.string) ?? .null,
                "dataset_version": lineage.datasetVersion.map(JSONValue.string) ?? .null,
                "dataset_digest": lineage.datasetDigest.map(JSONValue.string) ?? .null,
            ]),
            "hyperparameters": .object(hyperparameters),
            "metrics": .array(metrics.map { .object(["dataset": .string($0.dataset), "key": .string($0.key), "value": .number($0.value)]) }),
            "tags": .object(tags.mapValues(JSONValue.string)), "legal_hold": .bool(legalHold),
        ])
    }

    public var auditID: String { "\(modelName)/\(version)" }
}

extension [RoleBinding] {
    public var auditJSON: JSONValue {
        .array(
            sorted { $0.group.normalized < $1.group.normalized }.map {
                .object(["group": .string($0.group.normalized), "role": .string($0.role.rawValue)])
            })
    }
}

extension APIToken {
    /// Never the secret or its hash.
    public var auditJSON: JSONValue {
        .object([
            "id": .string(id.uuidString.lowercased()), "name": .string(name), "prefix": .string(prefix), "owner": .string(owner),
            "role": .string(role.rawValue), "expires_at": .string(RFC3339.format(expiresAt)),
            "revoked_at": revokedAt.map { .string(RFC3339.format($0)) } ?? .null,
        ])
    }
}

extension Tenant {
    public var auditJSON: JSONValue {
        .object([
            "id": .string(id.uuidString.lowercased()), "slug": .string(slug.value), "display_name": .string(displayName),
            "settings": .object(settings),
        ])
    }
}
