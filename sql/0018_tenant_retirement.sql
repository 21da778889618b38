-- 0018 tenant retirement: tenants are never deleted (their audit chain, events and history stay), but a platform
-- admin may retire an empty one (MLflow's delete-workspace): it then resolves for nobody, its slug stays taken so the
-- audit trail keeps one meaning, its bindings are removed, its tokens revoked and its webhooks switched off.
ALTER TABLE cairn.tenants
    ADD COLUMN retired_at timestamptz,
    ADD COLUMN retired_by text,
    ADD CONSTRAINT tenants_retirement_whole CHECK ((retired_at IS NULL) = (retired_by IS NULL));

-- A retired tenant has no bindings, so no group reaches it; the loop skips it anyway.
CREATE OR REPLACE FUNCTION cairn.tenant_roles_for_groups(groups text[])
RETURNS TABLE (tenant_id uuid, role text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t uuid;
    r text;
BEGIN
    FOR t IN SELECT id FROM cairn.tenants WHERE retired_at IS NULL ORDER BY slug LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        SELECT b.role INTO r
        FROM cairn.role_bindings b
        WHERE b.tenant_id = t AND b.group_dn = ANY (groups)
        ORDER BY array_position(ARRAY['reader', 'contributor', 'approver', 'admin'], b.role) DESC
        LIMIT 1;
        IF r IS NOT NULL THEN
            tenant_id := t;
            role := r;
            RETURN NEXT;
        END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;

-- Nothing is created in a retired tenant again: no model, token, binding or webhook. The tenant's row is read with a
-- key-share lock, which waits for a retirement in progress (it holds the row FOR UPDATE) and then sees it committed,
-- so nothing slips in between a retirement's checks and its commit.
CREATE FUNCTION cairn.refuse_retired_tenant_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    retired timestamptz;
BEGIN
    SELECT t.retired_at INTO retired FROM cairn.tenants t WHERE t.id = NEW.tenant_id FOR KEY SHARE;
    IF retired IS NOT NULL THEN
        RAISE EXCEPTION 'tenant % is retired', NEW.tenant_id USING ERRCODE = 'check_violation', CONSTRAINT = 'tenant_retired';
    END IF;
    RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION cairn.refuse_retired_tenant_rows() FROM PUBLIC;
CREATE TRIGGER registered_models_not_in_retired_tenant BEFORE INSERT ON cairn.registered_models
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_retired_tenant_rows();
CREATE TRIGGER api_tokens_not_in_retired_tenant BEFORE INSERT ON cairn.api_tokens
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_retired_tenant_rows();
CREATE TRIGGER role_bindings_not_in_retired_tenant BEFORE INSERT ON cairn.role_bindings
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_retired_tenant_rows();
CREATE TRIGGER webhooks_not_in_retired_tenant BEFORE INSERT ON cairn.webhooks
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_retired_tenant_rows();
