import CairnApp
import CairnCore
import CairnHTTPKit
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    func addTenantRoutes() {
        let tenants = app.tenants

        add(.post, "tenants", access: .platformAdmin) { request, context, principal in
            let body = try await JSONBody.decode(CreateTenantBody.self, from: request, context: context)
            let tenant = try NewTenant(slug: try TenantSlug(body.slug), displayName: body.displayName, settings: body.settings ?? [:])
            let bindings = try (body.roleBindings ?? []).map { dto throws(CairnError) in try dto.validated() }
            let (created, role) = try await tenants.create(
                tenant, bindings: bindings, by: Actor(username: principal.username, requestID: context.id), principal: principal,
                logger: context.logger)
            return try .json(TenantDTO(created, role: role), status: .created)
        }

        add(.get, "tenants", access: .authenticated) { _, context, principal in
            let visible = try await tenants.visibleTenants(to: principal, logger: context.logger)
            return try .json(TenantListDTO(tenants: visible.map { TenantDTO($0.tenant, role: $0.role) }))
        }

        add(.get, "tenants/{tenant}/role-bindings", access: .tenantBindings) { _, _, scope in
            try .json(RoleBindingsDTO(roleBindings: try await tenants.roleBindings(scope).map(RoleBindingDTO.init)))
        }

        add(.put, "tenants/{tenant}/role-bindings", access: .tenantBindings) { request, context, scope in
            let body = try await JSONBody.decode(RoleBindingsDTO.self, from: request, context: context)
            let bindings = try body.roleBindings.map { dto throws(CairnError) in try dto.validated() }
            let saved = try await tenants.replaceRoleBindings(bindings, scope)
            return try .json(RoleBindingsDTO(roleBindings: saved.map(RoleBindingDTO.init)))
        }

        // Lifecycle settings (four-eyes, single Production version, protected aliases, required card fields).
        add(.patch, "tenants/{tenant}/settings", access: .tenant(.admin)) { request, context, scope in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard case .object(let changes)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
                throw CairnError.invalid("The body must be a JSON object of settings to change (null removes one).")
            }
            let updated = try await tenants.updateSettings(merging: changes, scope)
            return try .json(TenantDTO(updated, role: scope.access.role))
        }
    }
}
