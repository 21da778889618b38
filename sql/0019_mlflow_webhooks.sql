-- 0019 MLflow webhooks: the MLflow surface's webhooks (`/api/2.0/mlflow/webhooks`) are Cairn webhooks of the
-- 'mlflow' flavor, on the same durable queue, dispatchers, retries and outbound policy. They subscribe to MLflow's
-- event names (`model_version.created`, `model_version_alias.created`, `prompt.created`, …), which this migration
-- derives from Cairn's events in one place (cairn.mlflow_webhook_messages), and are signed MLflow's way with the
-- secret the admin chose (none: unsigned, as MLflow does). The native flavor is unchanged.
ALTER TABLE cairn.webhooks
    ADD COLUMN flavor text NOT NULL DEFAULT 'cairn' CHECK (flavor IN ('cairn', 'mlflow')),
    ADD COLUMN name text CHECK (name IS NULL OR char_length(name) BETWEEN 1 AND 256),
    ADD COLUMN mlflow_events text[] CHECK (mlflow_events IS NULL OR cardinality(mlflow_events) BETWEEN 1 AND 50),
    ALTER COLUMN secret DROP NOT NULL,
    DROP CONSTRAINT webhooks_secret_check,
    ADD CONSTRAINT webhooks_secret_form CHECK (CASE flavor
        WHEN 'cairn' THEN secret IS NOT NULL AND secret LIKE 'whsec\_%'
        ELSE secret IS NULL OR char_length(secret) BETWEEN 1 AND 1000 END),
    ADD CONSTRAINT webhooks_flavor_shape CHECK (CASE flavor
        WHEN 'cairn' THEN name IS NULL AND mlflow_events IS NULL
        ELSE name IS NOT NULL AND mlflow_events IS NOT NULL AND event_types IS NULL AND model IS NULL END);

-- An MLflow delivery carries both its event and the MLflow `data` derived from it.
DO $$
DECLARE
    c text;
BEGIN
    SELECT conname INTO STRICT c FROM pg_constraint
    WHERE conrelid = 'cairn.webhook_deliveries'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%event_id IS NULL%payload IS NOT NULL%';
    EXECUTE format('ALTER TABLE cairn.webhook_deliveries DROP CONSTRAINT %I', c);
END $$;
ALTER TABLE cairn.webhook_deliveries ADD CONSTRAINT webhook_deliveries_has_content CHECK (event_id IS NOT NULL OR payload IS NOT NULL);

-- The MLflow messages one Cairn event stands for, as MLflow's server sends them (`mlflow/webhooks/types.py`):
-- registration of a model or version, a version's tag set or deleted (one message per key), an alias set or removed;
-- a prompt's (a model tagged mlflow.prompt.is_prompt = 'true') under the prompt names, where its tags count too.
-- Stage changes, renames, descriptions and deletions have no MLflow event. Absent values are JSON null. A tag set to
-- the value it already had changes nothing in Cairn (no revision, no audit entry), so it sends nothing, where MLflow
-- sends a message for every call.
CREATE FUNCTION cairn.mlflow_webhook_messages(e cairn.events)
RETURNS TABLE (ord integer, event text, data jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    after jsonb := e.payload -> 'after';
    before jsonb := e.payload -> 'before';
    prompt boolean;
    version text := e.version::text;
    alias text := split_part(e.object_id, '@', 2);
BEGIN
    -- As MLflow decides: a registration by the tags it carries, anything else by the registered model's tags.
    IF e.type IN ('registered_model.created', 'model_version.created') THEN
        prompt := COALESCE(lower(after -> 'tags' ->> 'mlflow.prompt.is_prompt') = 'true', false);
    ELSE
        prompt := EXISTS (
            SELECT 1 FROM cairn.registered_models m JOIN cairn.registered_model_tags t ON t.tenant_id = m.tenant_id AND t.model_id = m.id
            WHERE m.tenant_id = e.tenant_id AND m.name = e.model AND t.key = 'mlflow.prompt.is_prompt' AND lower(t.value) = 'true');
    END IF;
    CASE e.type
    WHEN 'registered_model.created' THEN
        -- MLflow sends the request's description as given ("" when none) and keeps its own prompt markers out.
        RETURN QUERY SELECT 1, CASE WHEN prompt THEN 'prompt.created' ELSE 'registered_model.created' END,
            jsonb_build_object('name', after ->> 'name',
                'tags', CASE WHEN prompt THEN COALESCE(after -> 'tags', '{}') - ARRAY['mlflow.prompt.is_prompt', '_mlflow_prompt_type']
                             ELSE COALESCE(after -> 'tags', '{}') END,
                'description', COALESCE(after ->> 'description', ''));
    WHEN 'model_version.created' THEN
        IF prompt THEN
            RETURN QUERY SELECT 1, 'prompt_version.created', jsonb_build_object('name', e.model, 'version', version,
                'template', after -> 'tags' ->> 'mlflow.prompt.text',
                'tags', COALESCE(after -> 'tags', '{}') - ARRAY['mlflow.prompt.is_prompt', '_mlflow_prompt_type', 'mlflow.prompt.text'],
                'description', NULLIF(after ->> 'description', ''));
        ELSE
            RETURN QUERY SELECT 1, 'model_version.created', jsonb_build_object('name', e.model, 'version', version,
                'source', after ->> 'source', 'run_id', NULLIF(after ->> 'run_id', ''), 'tags', COALESCE(after -> 'tags', '{}'),
                'description', NULLIF(after ->> 'description', ''));
        END IF;
    WHEN 'model_version.updated', 'registered_model.updated' THEN
        IF e.type = 'registered_model.updated' AND NOT prompt THEN RETURN; END IF;
        RETURN QUERY
        WITH changes AS (
            SELECT k.key, after -> 'tags' ->> k.key AS value
            FROM (SELECT jsonb_object_keys(COALESCE(before -> 'tags', '{}')) UNION SELECT jsonb_object_keys(COALESCE(after -> 'tags', '{}')))
                AS k(key)
            WHERE (before -> 'tags' ->> k.key) IS DISTINCT FROM (after -> 'tags' ->> k.key)
        )
        SELECT (row_number() OVER (ORDER BY c.key))::integer,
            CASE WHEN e.type = 'registered_model.updated' THEN 'prompt_tag.'
                 WHEN prompt THEN 'prompt_version_tag.' ELSE 'model_version_tag.' END
                || CASE WHEN c.value IS NULL THEN 'deleted' ELSE 'set' END,
            jsonb_strip_nulls(jsonb_build_object('name', e.model, 'key', c.key, 'value', c.value,
                'version', CASE WHEN e.type = 'model_version.updated' THEN version END))
        FROM changes c;
    WHEN 'model_version_alias.set' THEN
        RETURN QUERY SELECT 1, CASE WHEN prompt THEN 'prompt_alias.created' ELSE 'model_version_alias.created' END,
            jsonb_build_object('name', e.model, 'alias', alias, 'version', after ->> 'version');
    WHEN 'model_version_alias.deleted' THEN
        RETURN QUERY SELECT 1, CASE WHEN prompt THEN 'prompt_alias.deleted' ELSE 'model_version_alias.deleted' END,
            jsonb_build_object('name', e.model, 'alias', alias);
    ELSE
        RETURN;
    END CASE;
END $$;
REVOKE EXECUTE ON FUNCTION cairn.mlflow_webhook_messages(cairn.events) FROM PUBLIC;

-- As 0010, with native webhooks limited to their flavor, and one delivery per MLflow webhook and matching message.
CREATE OR REPLACE FUNCTION cairn.queue_webhook_deliveries() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO cairn.webhook_deliveries (tenant_id, webhook_id, event_id, type, message_id, order_key)
    SELECT NEW.tenant_id, w.id, NEW.id, NEW.type, 'evt_' || NEW.id, COALESCE(NEW.model, '')
    FROM cairn.webhooks w
    WHERE w.tenant_id = NEW.tenant_id AND w.active AND w.flavor = 'cairn'
      AND (w.model IS NULL OR w.model = NEW.model)
      AND (w.event_types IS NULL OR EXISTS (
          SELECT 1 FROM unnest(w.event_types) AS p
          WHERE p = NEW.type OR (right(p, 2) = '.*' AND starts_with(NEW.type, left(p, -1)))))
    ORDER BY w.id;
    IF EXISTS (SELECT 1 FROM cairn.webhooks w WHERE w.tenant_id = NEW.tenant_id AND w.active AND w.flavor = 'mlflow') THEN
        INSERT INTO cairn.webhook_deliveries (tenant_id, webhook_id, event_id, type, message_id, payload, order_key)
        SELECT NEW.tenant_id, w.id, NEW.id, m.event, gen_random_uuid()::text, m.data, COALESCE(NEW.model, '')
        FROM cairn.mlflow_webhook_messages(NEW) m
        JOIN cairn.webhooks w ON w.tenant_id = NEW.tenant_id AND w.active AND w.flavor = 'mlflow' AND m.event = ANY (w.mlflow_events)
        ORDER BY w.id, m.ord;
    END IF;
    RETURN NULL;
END $$;
