import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

struct DeploymentDTO: Encodable {
    let id: String
    let model: String
    let version: Int
    let environment: String
    let target: String
    let servingFrom: String
    let servingUntil: Nullable<String>
    let comment: String
    let deployedBy: String
    let undeployedBy: Nullable<String>

    init(_ d: Deployment) {
        id = d.id.uuidString.lowercased()
        model = d.modelName
        version = d.version
        environment = d.environment
        target = d.target
        servingFrom = RFC3339.format(d.from)
        servingUntil = Nullable(d.until.map(RFC3339.format))
        comment = d.comment
        deployedBy = d.deployedBy
        undeployedBy = Nullable(d.undeployedBy)
    }

    enum CodingKeys: String, CodingKey {
        case id, model, version, environment, target, comment
        case servingFrom = "serving_from"
        case servingUntil = "serving_until"
        case deployedBy = "deployed_by"
        case undeployedBy = "undeployed_by"
    }
}

struct DeploymentListDTO: Encodable {
    let deployments: [DeploymentDTO]
}

struct DeployBody: Decodable, StrictBody {
    let environment: String
    let target: String
    let comment: String?
    enum CodingKeys: String, CodingKey, CaseIterable { case environment, target, comment }
}

extension APIRoutes {
    func addDeploymentRoutes() {
        let deployments = app.deployments
        let version = "tenants/{tenant}/models/{model}/versions/{version}"

        add(.post, "\(version)/deployments", access: .tenant(.contributor)) { request, context, scope in
            let body = try await JSONBody.decode(DeployBody.self, from: request, context: context)
            let new = try NewDeployment(environment: body.environment, target: body.target, comment: body.comment)
            let deployment = try await deployments.deploy(try context.versionParameter(), of: try context.pathParameter("model"), new, scope)
            return try .json(DeploymentDTO(deployment), status: .created)
        }

        add(.get, "\(version)/deployments", access: .tenant(.reader)) { _, context, scope in
            let history = try await deployments.history(of: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try .json(DeploymentListDTO(deployments: history.map(DeploymentDTO.init)))
        }

        add(.delete, "\(version)/deployments/{deployment}", access: .tenant(.contributor)) { _, context, scope in
            guard let id = UUID(uuidString: try context.pathParameter("deployment")) else { throw CairnError.notFound("Deployment not found.") }
            let ended = try await deployments.undeploy(id, version: try context.versionParameter(), of: try context.pathParameter("model"), scope)
            return try .json(DeploymentDTO(ended))
        }

        add(.get, "tenants/{tenant}/deployments", access: .tenant(.reader)) { request, _, scope in
            let at = try request.query("at").map { text throws(CairnError) in
                guard let date = RFC3339.parse(text) else { throw .invalid("'at' must be an RFC 3339 time, e.g. 2026-11-01T12:00:00Z.") }
                return date
            }
            let serving = try await deployments.serving(at: at, environment: request.query("environment"), scope)
            return try .json(DeploymentListDTO(deployments: serving.map(DeploymentDTO.init)))
        }
    }
}
