-- What one "create version" runs in PostgreSQL (Cairn's statements, as the server prepares them), for pgbench -M
-- prepared as the application role: -D tenant=<uuid> -D models=<n> spreads the versions over writes-1 … writes-<n>.
\set m random(1, :models)
BEGIN;
SELECT set_config('app.tenant_id', :tenant, true);
WITH claimed AS (
    UPDATE cairn.registered_models SET next_version = next_version + 1, updated_by = 'alice' WHERE name = 'writes-' || :m
    RETURNING id, next_version - 1 AS number
), created AS (
    INSERT INTO cairn.model_versions (tenant_id, model_id, version, status, description, source, hyperparameters, environment, created_by, updated_by)
    SELECT current_setting('app.tenant_id')::uuid, c.id, c.number, 'READY', 'bench', 's3://bench/model', '{}'::jsonb, '{}'::jsonb, 'alice', 'alice'
    FROM claimed c
    RETURNING model_id, version
), tagged AS (
    INSERT INTO cairn.model_version_tags (tenant_id, model_id, version, key, value)
    SELECT current_setting('app.tenant_id')::uuid, c.model_id, c.version, t.k, t.v
    FROM created c, unnest('{bench}'::text[], '{yes}'::text[]) AS t(k, v)
), measured AS (
    INSERT INTO cairn.version_metrics (tenant_id, model_id, version, dataset, key, value, recorded_by)
    SELECT current_setting('app.tenant_id')::uuid, c.model_id, c.version, x.d, x.k, x.v, 'alice'
    FROM created c, unnest('{holdout}'::text[], '{accuracy}'::text[], '{0.93}'::float8[]) AS x(d, k, v)
)
SELECT version FROM created \gset
SELECT v.version, v.metrics_facet, v.tags_facet FROM cairn.model_versions v
WHERE v.model_id = (SELECT id FROM cairn.registered_models WHERE name = 'writes-' || :m) AND v.version = :version;
INSERT INTO cairn.audit_log (tenant_id, at, actor, action, object_type, object_id, before, after, request_id, prev_hash, hash, seq)
VALUES (current_setting('app.tenant_id')::uuid, now(), 'alice', 'model_version.created', 'model_version', 'writes-' || :m || '/' || :version, NULL,
        '{"description": "bench", "hyperparameters": {}, "legal_hold": false, "metrics": [{"dataset": "holdout", "key": "accuracy", "value": 0.93}], "model": "writes", "source": "s3://bench/model", "stage": "None", "status": "READY", "tags": {"bench": "yes"}, "version": 1}'::jsonb,
        'pgbench', '', '', 0);
COMMIT;
