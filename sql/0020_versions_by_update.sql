-- 0020: MLflow's version search orders by last update, newest first (then name, then version). One model's versions
-- in that order come from this index, so a page of a 10,000-version model reads its page, not the model.
CREATE INDEX model_versions_by_model_updated ON cairn.model_versions (tenant_id, model_id, updated_at DESC, version DESC);

-- A version by its alias in one round trip, as cairn.tenant_versions reads a version by number (0014, 0015): the
-- MLflow client resolves `models:/name@alias` with it on every load.
CREATE FUNCTION cairn.tenant_alias_version(p_tenant uuid, p_name text, p_alias text)
RETURNS TABLE (
    model_id uuid, model_name text, version integer, status text, status_message text, stage text, description text,
    source text, run_id text, run_link text, code_repository text, code_commit text, dataset_uri text,
    dataset_version text, dataset_digest text, hyperparameters text, environment text,
    created_at timestamptz, created_by text, updated_at timestamptz, updated_by text, legal_hold boolean,
    files_digest text, purged_at timestamptz, purged_by text, metrics text[], tags text[], aliases text[])
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
    found integer;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT a.version INTO found
    FROM cairn.model_aliases a JOIN cairn.registered_models m ON m.tenant_id = a.tenant_id AND m.id = a.model_id
    WHERE m.tenant_id = p_tenant AND m.name = p_name AND a.alias = p_alias;
    IF found IS NOT NULL THEN
        RETURN QUERY SELECT * FROM cairn.tenant_versions(p_tenant, p_name, ARRAY[found]);
    END IF;
    PERFORM set_config('app.tenant_id', COALESCE(previous, ''), true);
END $$;
