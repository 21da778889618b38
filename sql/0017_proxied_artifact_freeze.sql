-- 0017 A directory of MLflow's proxied tree that a version was registered from is frozen: the version's download
-- URI is that directory, so what the client loads must stay what was registered, finalized and approved. Nothing is
-- written, replaced or deleted at, under or above it (a file in its place) afterwards.

CREATE TABLE cairn.proxied_frozen_directories (
    tenant_id  uuid NOT NULL,
    path       text NOT NULL CHECK (octet_length(path) BETWEEN 1 AND 1024 AND path !~ '^/' AND path !~ '/$'),
    model_id   uuid NOT NULL,
    version    integer NOT NULL,
    frozen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, path, model_id, version),
    -- Deleting the version (or its model) thaws the directory.
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE
);
CREATE INDEX proxied_frozen_directories_by_prefix ON cairn.proxied_frozen_directories (tenant_id, path text_pattern_ops);
CALL cairn.enable_tenant_isolation('cairn.proxied_frozen_directories');

-- Enforced by the database as well as by the store, so no code path can change a registered tree.
CREATE FUNCTION cairn.refuse_frozen_proxied() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target cairn.proxied_artifacts;
    frozen text;
BEGIN
    IF TG_OP = 'DELETE' THEN target := OLD; ELSE target := NEW; END IF;
    SELECT d.path INTO frozen FROM cairn.proxied_frozen_directories d
     WHERE d.tenant_id = target.tenant_id AND (starts_with(target.path, d.path || '/') OR d.path = target.path OR starts_with(d.path, target.path || '/'))
     LIMIT 1;
    IF frozen IS NOT NULL THEN
        RAISE EXCEPTION 'artifact directory % was registered as a model version and is frozen', frozen
            USING ERRCODE = 'check_violation', CONSTRAINT = 'proxied_artifact_frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER proxied_artifacts_frozen BEFORE INSERT OR UPDATE OR DELETE ON cairn.proxied_artifacts
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_frozen_proxied();
