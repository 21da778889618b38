-- 0001 foundation: tenants, role bindings, registered models, versions, metrics, tags, aliases.
-- Applied by `cairn migrate` as cairn_owner inside one transaction.

-- The schema itself and cairn.schema_migrations are created by the migration runner before this file runs.

-- Every tenant-owned table goes through this: RLS enabled AND forced (so the owner is bound too), one policy for
-- reads and writes. The setting reads '' (not NULL) after a transaction that set it, hence NULLIF.
CREATE PROCEDURE cairn.enable_tenant_isolation(tbl regclass)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO cairn_app', tbl);
END $$;

CREATE FUNCTION cairn.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- The registry of tenants. Global (it is what a tenant id points at), so not row-level secured: the app may read it
-- to resolve a slug, insert (platform admins create tenants) and update settings, never delete.
CREATE TABLE cairn.tenants (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 200),
    settings     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL
);

CREATE TABLE cairn.role_bindings (
    tenant_id  uuid NOT NULL REFERENCES cairn.tenants (id),
    group_dn   text NOT NULL CHECK (char_length(group_dn) BETWEEN 1 AND 1024),
    role       text NOT NULL CHECK (role IN ('reader', 'contributor', 'approver', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    PRIMARY KEY (tenant_id, group_dn)
);

CREATE TABLE cairn.registered_models (
    tenant_id    uuid NOT NULL REFERENCES cairn.tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 256 AND name = btrim(name)),
    -- Look-alike key (case-folded, confusables mapped): two names that read the same cannot coexist.
    name_key     text NOT NULL,
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 65536),
    owner        text CHECK (char_length(owner) <= 256),
    -- Next version number to hand out. Only ever grows, so a number is never reused, even after a delete.
    next_version integer NOT NULL DEFAULT 1 CHECK (next_version >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, name_key)
);
CREATE TRIGGER registered_models_touch BEFORE UPDATE ON cairn.registered_models
    FOR EACH ROW EXECUTE FUNCTION cairn.touch_updated_at();

CREATE TABLE cairn.registered_model_tags (
    tenant_id uuid NOT NULL,
    model_id  uuid NOT NULL,
    key       text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
    value     text NOT NULL CHECK (char_length(value) <= 5000),
    PRIMARY KEY (tenant_id, model_id, key),
    FOREIGN KEY (tenant_id, model_id) REFERENCES cairn.registered_models (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE cairn.model_versions (
    tenant_id       uuid NOT NULL,
    model_id        uuid NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    status          text NOT NULL DEFAULT 'READY'
                    CHECK (status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')),
    status_message  text CHECK (char_length(status_message) <= 5000),
    stage           text NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 65536),
    source          text CHECK (char_length(source) <= 4096),
    run_id          text CHECK (char_length(run_id) <= 256),
    run_link        text CHECK (char_length(run_link) <= 4096),
    code_repository text CHECK (char_length(code_repository) <= 4096),
    code_commit     text CHECK (code_commit ~ '^[0-9a-f]{7,64}$'),
    dataset_uri     text CHECK (char_length(dataset_uri) <= 4096),
    dataset_version text CHECK (char_length(dataset_version) <= 256),
    dataset_digest  text CHECK (char_length(dataset_digest) <= 256),
    hyperparameters jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(hyperparameters) = 'object'),
    environment     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(environment) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text NOT NULL,
    PRIMARY KEY (tenant_id, model_id, version),
    FOREIGN KEY (tenant_id, model_id) REFERENCES cairn.registered_models (tenant_id, id) ON DELETE CASCADE
);
CREATE TRIGGER model_versions_touch BEFORE UPDATE ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.touch_updated_at();
-- Search pages through versions newest first across all models.
CREATE INDEX model_versions_by_created ON cairn.model_versions (tenant_id, created_at DESC, model_id, version);
CREATE INDEX model_versions_by_stage ON cairn.model_versions (tenant_id, stage);
CREATE INDEX model_versions_by_run ON cairn.model_versions (tenant_id, run_id) WHERE run_id IS NOT NULL;

CREATE TABLE cairn.model_version_tags (
    tenant_id uuid NOT NULL,
    model_id  uuid NOT NULL,
    version   integer NOT NULL,
    key       text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
    value     text NOT NULL CHECK (char_length(value) <= 5000),
    PRIMARY KEY (tenant_id, model_id, version, key),
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE
);

-- Metrics per evaluation dataset ('' when the client names none). Fairness metrics are ordinary rows.
CREATE TABLE cairn.version_metrics (
    tenant_id uuid NOT NULL,
    model_id  uuid NOT NULL,
    version   integer NOT NULL,
    dataset   text NOT NULL DEFAULT '' CHECK (char_length(dataset) <= 256),
    key       text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
    value     double precision NOT NULL,
    PRIMARY KEY (tenant_id, model_id, version, dataset, key),
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE
);
CREATE INDEX version_metrics_by_key ON cairn.version_metrics (tenant_id, key, value);

CREATE TABLE cairn.model_aliases (
    tenant_id  uuid NOT NULL,
    model_id   uuid NOT NULL,
    alias      text NOT NULL CHECK (alias ~ '^[A-Za-z_][A-Za-z0-9_-]{0,254}$'),
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL,
    PRIMARY KEY (tenant_id, model_id, alias),
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE
);

CALL cairn.enable_tenant_isolation('cairn.role_bindings');
CALL cairn.enable_tenant_isolation('cairn.registered_models');
CALL cairn.enable_tenant_isolation('cairn.registered_model_tags');
CALL cairn.enable_tenant_isolation('cairn.model_versions');
CALL cairn.enable_tenant_isolation('cairn.model_version_tags');
CALL cairn.enable_tenant_isolation('cairn.version_metrics');
CALL cairn.enable_tenant_isolation('cairn.model_aliases');

-- Which tenants a set of directory groups reaches, and with which role. The one cross-tenant read: it visits each
-- tenant under that tenant's own setting, so row-level security still decides every row it sees.
CREATE FUNCTION cairn.tenant_roles_for_groups(groups text[])
RETURNS TABLE (tenant_id uuid, role text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t uuid;
    r text;
BEGIN
    FOR t IN SELECT id FROM cairn.tenants ORDER BY slug LOOP
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

GRANT USAGE ON SCHEMA cairn TO cairn_app;
GRANT SELECT, INSERT, UPDATE ON cairn.tenants TO cairn_app;
GRANT EXECUTE ON FUNCTION cairn.tenant_roles_for_groups(text[]) TO cairn_app;
REVOKE EXECUTE ON PROCEDURE cairn.enable_tenant_isolation(regclass) FROM PUBLIC;
