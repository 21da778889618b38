-- What one "list 100 versions" runs in PostgreSQL (Cairn's listing statement), for pgbench -M prepared as the
-- application role: -D tenant=<uuid>.
BEGIN;
SELECT set_config('app.tenant_id', :tenant, true);
SELECT v.model_id, m.name AS model_name, v.version, v.status, v.status_message, v.stage, v.description,
    v.source, v.run_id, v.run_link, v.code_repository, v.code_commit, v.dataset_uri, v.dataset_version, v.dataset_digest,
    v.hyperparameters::text AS hyperparameters, v.environment::text AS environment,
    v.created_at, v.created_by, v.updated_at, v.updated_by, v.legal_hold, v.files_digest, v.purged_at, v.purged_by,
    v.metrics_facet AS metrics, v.tags_facet AS tags,
    ARRAY(SELECT a.alias FROM cairn.model_aliases a
          WHERE a.tenant_id = v.tenant_id AND a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias) AS aliases,
    (extract(epoch FROM v.created_at) * 1000000)::bigint::text AS cursor_0, v.model_id::text AS cursor_1, v.version::text AS cursor_2
FROM cairn.model_versions v JOIN cairn.registered_models m ON m.tenant_id = v.tenant_id AND m.id = v.model_id
WHERE v.model_id = (SELECT id FROM cairn.registered_models WHERE name = 'catalog')
ORDER BY v.created_at DESC, v.model_id DESC, v.version DESC LIMIT 101;
COMMIT;
