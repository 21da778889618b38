import CairnCore
import Foundation
import Hummingbird
import Logging

extension APIRoutes {
    func addTenantRoutes(tenants store: any TenantStore) {
        add(.post, "tenants", access: .platformAdmin) { request, context, principal in
            let body = try await JSONBody.decode(CreateTenantBody.self, from: request, context: context)
            let tenant = try NewTenant(slug: try TenantSlug(body.slug), displayName: body.displayName, settings: body.settings ?? [:])
            let bindings = try (body.roleBindings ?? []).map { dto throws(CairnError) in try dto.validated() }.validated()
            let created = try await store.createTenant(
                tenant, bindings: bindings, by: Actor(username: principal.username, requestID: context.id), logger: context.logger)
            context.logger.info("tenant created", metadata: ["cairn.tenant": "\(created.slug)"])
            return try .json(TenantDTO(created, role: bindings.role(for: principal.groups)), status: .created)
        }

        add(.get, "tenants", access: .authenticated) { [self] _, context, principal in
            if isPlatformAdmin(principal) {
                let roles = try await store.tenantRoles(groups: principal.groups, logger: context.logger)
                let all = try await store.allTenants(logger: context.logger)
                return try .json(
                    TenantListDTO(
                        tenants: all.map { tenant in
                            TenantDTO(tenant, role: roles.first { $0.tenant.id == tenant.id }?.role)
                        }))
            }
            let visible = try await store.tenantRoles(groups: principal.groups, logger: context.logger).compactMap { entry in
                let access = TenantAccess(principal: principal, tenantID: entry.tenant.id, boundRole: entry.role, platformAdminGroup: nil)
                return access.role.map { TenantDTO(entry.tenant, role: $0) }
            }
            return try .json(TenantListDTO(tenants: visible))
        }

        add(.get, "tenants/{tenant}/role-bindings", access: .tenantBindings) { _, context, scope in
            let bindings = try await store.roleBindings(tenantID: scope.tenant.id, logger: context.logger)
            return try .json(RoleBindingsDTO(roleBindings: bindings.map(RoleBindingDTO.init)))
        }

        add(.put, "tenants/{tenant}/role-bindings", access: .tenantBindings) { request, context, scope in
            let body = try await JSONBody.decode(RoleBindingsDTO.self, from: request, context: context)
            let bindings = try body.roleBindings.map { dto throws(CairnError) in try dto.validated() }.validated()
            let saved = try await store.replaceRoleBindings(bindings, tenantID: scope.tenant.id, by: scope.actor, logger: context.logger)
            context.logger.info("role bindings replaced", metadata: ["cairn.bindings": "\(saved.count)"])
            return try .json(RoleBindingsDTO(roleBindings: saved.map(RoleBindingDTO.init)))
        }

        // Lifecycle settings (four-eyes, single Production version, protected aliases, required card fields).
        add(.patch, "tenants/{tenant}/settings", access: .tenant(.admin)) { request, context, scope in
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard case .object(let changes)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
                throw CairnError.invalid("The body must be a JSON object of settings to change (null removes one).")
            }
            let updated = try await store.updateSettings(merging: changes, tenantID: scope.tenant.id, by: scope.actor, logger: context.logger)
            return try .json(TenantDTO(updated, role: scope.access.role))
        }
    }
}
