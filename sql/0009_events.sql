-- 0009 events: the durable outbox behind stage-change notifications, SSE and webhooks.
--
-- Every published change is an audit entry (sql/0003), so the event is written by a trigger on the audit log, in the
-- same transaction: it cannot be forgotten, forged by the application (which may only SELECT events) or lost, and
-- a rolled-back change leaves neither. The trigger runs while the transaction holds its tenant's audit-chain head
-- lock, which it keeps until commit; so within a tenant, event ids are drawn in commit order, and a reader that
-- resumes after the last id it saw for that tenant skips nothing. Across tenants ids do commit out of order; readers
-- keep one cursor per tenant. Each row also records its transaction id (xid8) for diagnostics and lag checks.
--
-- NOTIFY carries '<tenant>:<id>' only: any role can LISTEN, so payloads stay behind row-level security.

CREATE SEQUENCE cairn.events_id_seq AS bigint;

CREATE TABLE cairn.events (
    tenant_id   uuid NOT NULL REFERENCES cairn.tenants (id),
    id          bigint NOT NULL,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at          timestamptz NOT NULL,
    type        text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    object_type text NOT NULL,
    object_id   text NOT NULL,
    model       text,
    version     integer,
    payload     jsonb NOT NULL,
    actor       text NOT NULL,
    request_id  text,
    audit_seq   bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_by_model ON cairn.events (tenant_id, model, id);
CALL cairn.enable_tenant_isolation('cairn.events');
REVOKE INSERT, UPDATE, DELETE ON cairn.events FROM cairn_app;

-- Token, role-binding and tenant changes stay in the audit log only: they are not every reader's business.
CREATE FUNCTION cairn.publish_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    subject jsonb := COALESCE(NEW.after, NEW.before, '{}'::jsonb);
BEGIN
    IF split_part(NEW.action, '.', 1) IN ('api_token', 'role_bindings', 'tenant') THEN
        RETURN NULL;
    END IF;
    INSERT INTO cairn.events (tenant_id, id, at, type, object_type, object_id, model, version, payload, actor, request_id, audit_seq)
    VALUES (
        NEW.tenant_id, nextval('cairn.events_id_seq'), NEW.at, NEW.action, NEW.object_type, NEW.object_id,
        CASE WHEN NEW.object_type = 'registered_model' THEN subject ->> 'name' ELSE subject ->> 'model' END,
        CASE WHEN jsonb_typeof(subject -> 'version') = 'number' THEN (subject ->> 'version')::integer END,
        jsonb_strip_nulls(jsonb_build_object('before', NEW.before, 'after', NEW.after)),
        NEW.actor, NEW.request_id, NEW.seq);
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION cairn.publish_event() FROM PUBLIC;
CREATE TRIGGER audit_log_publish AFTER INSERT ON cairn.audit_log FOR EACH ROW EXECUTE FUNCTION cairn.publish_event();

CREATE FUNCTION cairn.notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cairn_events', NEW.tenant_id::text || ':' || NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON cairn.events FOR EACH ROW EXECUTE FUNCTION cairn.notify_event();
