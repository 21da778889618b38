-- 0010 webhooks: tenant admins subscribe HTTP endpoints to events; deliveries are a durable queue.
--
-- A trigger on the outbox queues one delivery per matching active webhook in the transaction that writes the event,
-- so a committed event always has its deliveries and a rolled-back one has none. Dispatchers in every replica lease
-- due deliveries with FOR UPDATE SKIP LOCKED; a lease is a push of next_attempt_at, so a dispatcher that dies mid-send
-- leaves a delivery that simply falls due again. Every attempt is logged.
--
-- Ordering: deliveries get a sequence number in event (commit) order within a tenant, and a delivery is only leased
-- when no earlier pending delivery exists for the same webhook and model (order_key), so each receiver gets a model's
-- events in commit order. Pings (order_key NULL) are unordered.

CREATE TABLE cairn.webhooks (
    tenant_id   uuid NOT NULL REFERENCES cairn.tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    url         text NOT NULL CHECK (url ~* '^https?://' AND octet_length(url) <= 2048),
    description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    event_types text[] CHECK (event_types IS NULL OR cardinality(event_types) BETWEEN 1 AND 50),
    model       text CHECK (model IS NULL OR char_length(model) BETWEEN 1 AND 256),
    active      boolean NOT NULL DEFAULT true,
    secret      text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CALL cairn.enable_tenant_isolation('cairn.webhooks');

CREATE SEQUENCE cairn.webhook_delivery_seq AS bigint;
GRANT USAGE ON SEQUENCE cairn.webhook_delivery_seq TO cairn_app;

CREATE TABLE cairn.webhook_deliveries (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    seq             bigint NOT NULL DEFAULT nextval('cairn.webhook_delivery_seq'),
    webhook_id      uuid NOT NULL,
    event_id        bigint,
    type            text NOT NULL,
    message_id      text NOT NULL,
    payload         jsonb,
    order_key       text,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    round_start     integer NOT NULL DEFAULT 0 CHECK (round_start BETWEEN 0 AND attempts),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_status     integer,
    last_error      text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, seq),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES cairn.webhooks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, event_id) REFERENCES cairn.events (tenant_id, id),
    CHECK ((event_id IS NULL) = (payload IS NOT NULL)),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON cairn.webhook_deliveries (tenant_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON cairn.webhook_deliveries (tenant_id, webhook_id, order_key, seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON cairn.webhook_deliveries (tenant_id, webhook_id, seq DESC);
CALL cairn.enable_tenant_isolation('cairn.webhook_deliveries');

CREATE TABLE cairn.webhook_attempts (
    tenant_id   uuid NOT NULL,
    delivery_id uuid NOT NULL,
    number      integer NOT NULL CHECK (number >= 1),
    at          timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL CHECK (duration_ms >= 0),
    status      integer,
    error       text,
    response    text CHECK (octet_length(response) <= 4096),
    PRIMARY KEY (tenant_id, delivery_id, number),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES cairn.webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CALL cairn.enable_tenant_isolation('cairn.webhook_attempts');

-- Runs inside publish_event (SECURITY DEFINER), in the tenant's transaction, so row-level security still applies.
CREATE FUNCTION cairn.queue_webhook_deliveries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO cairn.webhook_deliveries (tenant_id, webhook_id, event_id, type, message_id, order_key)
    SELECT NEW.tenant_id, w.id, NEW.id, NEW.type, 'evt_' || NEW.id, COALESCE(NEW.model, '')
    FROM cairn.webhooks w
    WHERE w.tenant_id = NEW.tenant_id AND w.active
      AND (w.model IS NULL OR w.model = NEW.model)
      AND (w.event_types IS NULL OR EXISTS (
          SELECT 1 FROM unnest(w.event_types) AS p
          WHERE p = NEW.type OR (right(p, 2) = '.*' AND starts_with(NEW.type, left(p, -1)))))
    ORDER BY w.id;
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION cairn.queue_webhook_deliveries() FROM PUBLIC;
CREATE TRIGGER events_queue_webhooks AFTER INSERT ON cairn.events FOR EACH ROW EXECUTE FUNCTION cairn.queue_webhook_deliveries();

-- Which tenants have deliveries due: visits each tenant under its own setting, as tenant_roles_for_groups does, so
-- the dispatcher's one cross-tenant question is answered without bypassing row-level security.
-- `slugs` restricts the search to some tenants' slugs (a dispatcher dedicated to them); NULL means all.
CREATE FUNCTION cairn.tenants_with_due_webhooks(slugs text[]) RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM cairn.tenants WHERE slugs IS NULL OR slug = ANY (slugs) ORDER BY random() LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        IF EXISTS (SELECT 1 FROM cairn.webhook_deliveries WHERE tenant_id = t AND state = 'pending' AND next_attempt_at <= now()) THEN
            RETURN NEXT t;
        END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;
GRANT EXECUTE ON FUNCTION cairn.tenants_with_due_webhooks(text[]) TO cairn_app;

-- Webhook configuration (URLs may carry tokens in their query) stays in the audit log, like tokens and bindings.
-- The subject model and version now also come from the object id when the audit snapshot does not carry them
-- (stage changes snapshot only the stage): model names cannot contain '/' or '@', so 'model/3', 'model/3/path'
-- and 'model@alias' split unambiguously. Events written before this migration keep what they had.
CREATE OR REPLACE FUNCTION cairn.publish_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    subject jsonb := COALESCE(NEW.after, NEW.before, '{}'::jsonb);
    model text;
    version integer;
BEGIN
    IF split_part(NEW.action, '.', 1) IN ('api_token', 'role_bindings', 'tenant', 'webhook', 'webhook_delivery') THEN
        RETURN NULL;
    END IF;
    model := CASE
        WHEN NEW.object_type = 'registered_model' THEN COALESCE(subject ->> 'name', NEW.object_id)
        WHEN subject ? 'model' THEN subject ->> 'model'
        WHEN NEW.object_type IN ('model_version', 'version_file') THEN split_part(NEW.object_id, '/', 1)
        WHEN NEW.object_type = 'model_alias' THEN split_part(NEW.object_id, '@', 1)
    END;
    version := CASE
        WHEN jsonb_typeof(subject -> 'version') = 'number' THEN (subject ->> 'version')::integer
        WHEN NEW.object_type IN ('model_version', 'version_file') AND split_part(NEW.object_id, '/', 2) ~ '^[0-9]{1,9}$'
            THEN split_part(NEW.object_id, '/', 2)::integer
    END;
    INSERT INTO cairn.events (tenant_id, id, at, type, object_type, object_id, model, version, payload, actor, request_id, audit_seq)
    VALUES (
        NEW.tenant_id, nextval('cairn.events_id_seq'), NEW.at, NEW.action, NEW.object_type, NEW.object_id, model, version,
        jsonb_strip_nulls(jsonb_build_object('before', NEW.before, 'after', NEW.after)),
        NEW.actor, NEW.request_id, NEW.seq);
    RETURN NULL;
END $$;

-- Queue depth across tenants for /readyz and /metrics: counts only, each tenant visited under its own setting.
CREATE FUNCTION cairn.webhook_queue_totals(OUT pending bigint, OUT due bigint, OUT dead bigint, OUT oldest_due_seconds double precision)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t uuid;
    p bigint;
    d bigint;
    x bigint;
    o timestamptz;
    oldest timestamptz;
BEGIN
    pending := 0; due := 0; dead := 0;
    FOR t IN SELECT id FROM cairn.tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'pending' AND next_attempt_at <= now()),
               count(*) FILTER (WHERE state = 'dead'), min(next_attempt_at) FILTER (WHERE state = 'pending' AND next_attempt_at <= now())
        INTO p, d, x, o FROM cairn.webhook_deliveries WHERE tenant_id = t;
        pending := pending + p; due := due + d; dead := dead + x;
        IF o IS NOT NULL AND (oldest IS NULL OR o < oldest) THEN oldest := o; END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    oldest_due_seconds := COALESCE(extract(epoch FROM now() - oldest), 0);
END $$;
GRANT EXECUTE ON FUNCTION cairn.webhook_queue_totals() TO cairn_app;
