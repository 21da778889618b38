-- Each replica caches tenants and callers' roles for a few seconds (auth.access_cache_ttl_seconds). A change of a
-- tenant's row or of its role bindings tells every replica's event listener at commit, on the events channel with
-- the payload 'access:<tenant id>', and the replica drops what it cached for that tenant. NOTIFY folds identical
-- payloads within a transaction, so replacing many bindings sends one notification.
CREATE FUNCTION cairn.notify_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tenant uuid;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        tenant := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSE
        tenant := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
    END IF;
    PERFORM pg_notify('cairn_events', 'access:' || tenant::text);
    RETURN NULL;
END $$;

CREATE TRIGGER role_bindings_notify_access AFTER INSERT OR UPDATE OR DELETE ON cairn.role_bindings
    FOR EACH ROW EXECUTE FUNCTION cairn.notify_access_change();
CREATE TRIGGER tenants_notify_access AFTER UPDATE OR DELETE ON cairn.tenants
    FOR EACH ROW EXECUTE FUNCTION cairn.notify_access_change();
