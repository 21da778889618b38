-- The hot read in one statement: the versions of a model (by its name's look-up form) as the server's read of a
-- version returns them, for one tenant. It sets app.tenant_id itself (is_local, as every transaction does), so a
-- caller needs no BEGIN, set_config and COMMIT around it: one round trip instead of four. SECURITY INVOKER, so
-- row-level security still decides every row it sees; it leaves the setting as it found it, so inside a caller's
-- transaction nothing changes and in an implicit one nothing outlives the statement.
-- Its columns are PostgresRegistryStore.versionColumns (metrics as flat (dataset, key, value) triples, tags as
-- (key, value) pairs); TenantReadTests compares the two reads field by field.
CREATE FUNCTION cairn.tenant_versions(p_tenant uuid, p_name text, p_versions integer[])
RETURNS TABLE (
    model_id uuid, model_name text, version integer, status text, status_message text, stage text, description text,
    source text, run_id text, run_link text, code_repository text, code_commit text, dataset_uri text,
    dataset_version text, dataset_digest text, hyperparameters text, environment text,
    created_at timestamptz, created_by text, updated_at timestamptz, updated_by text, legal_hold boolean,
    files_digest text, purged_at timestamptz, purged_by text, metrics text[], tags text[], aliases text[])
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
-- Planned once per connection: left to choose, the plan cache kept re-planning this statement (0.7 ms a call,
-- more than running it) because the generic plan's estimate for "= ANY (p_versions)" looked worse.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN QUERY
    SELECT
        v.model_id, m.name, v.version, v.status, v.status_message, v.stage, v.description,
        v.source, v.run_id, v.run_link, v.code_repository, v.code_commit, v.dataset_uri, v.dataset_version, v.dataset_digest,
        v.hyperparameters::text, v.environment::text,
        v.created_at, v.created_by, v.updated_at, v.updated_by, v.legal_hold, v.files_digest, v.purged_at, v.purged_by,
        COALESCE((SELECT array_agg(e ORDER BY x.dataset, x.key, n) FROM cairn.version_metrics x,
                         unnest(ARRAY[x.dataset, x.key, x.value::text]) WITH ORDINALITY AS u(e, n)
                  WHERE x.tenant_id = v.tenant_id AND x.model_id = v.model_id AND x.version = v.version), '{}'),
        COALESCE((SELECT array_agg(e ORDER BY t.key, n) FROM cairn.model_version_tags t,
                         unnest(ARRAY[t.key, t.value]) WITH ORDINALITY AS u(e, n)
                  WHERE t.tenant_id = v.tenant_id AND t.model_id = v.model_id AND t.version = v.version), '{}'),
        ARRAY(SELECT a.alias FROM cairn.model_aliases a
              WHERE a.tenant_id = v.tenant_id AND a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias)
    FROM cairn.model_versions v JOIN cairn.registered_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
    WHERE m.tenant_id = p_tenant AND m.name = p_name AND v.version = ANY (p_versions);
    PERFORM set_config('app.tenant_id', COALESCE(previous, ''), true);
END $$;

GRANT EXECUTE ON FUNCTION cairn.tenant_versions(uuid, text, integer[]) TO cairn_app;

-- A model's versions newest first (the default order of a listing) without sorting all of them.
CREATE INDEX model_versions_by_model_created ON cairn.model_versions (tenant_id, model_id, created_at DESC, version DESC);
