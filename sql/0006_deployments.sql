-- 0006 deployment history: each deployment is a serving period. The EXCLUDE constraint guarantees one version per
-- (model, environment, target) at any instant; "what was serving at T" is one indexed containment query.
-- Trusted since PostgreSQL 13: the database owner may create it (sql/bootstrap.sql also does, for managed services).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE cairn.deployments (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    model_id      uuid NOT NULL,
    version       integer NOT NULL,
    environment   text NOT NULL CHECK (environment ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    target        text NOT NULL CHECK (char_length(target) BETWEEN 1 AND 256),
    serving       tstzrange NOT NULL CHECK (NOT isempty(serving) AND NOT lower_inf(serving)),
    comment       text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 5000),
    deployed_by   text NOT NULL,
    undeployed_by text,
    PRIMARY KEY (tenant_id, id),
    -- History outlives nothing it describes: a version with deployments cannot be deleted.
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version),
    CONSTRAINT deployments_one_version_per_target
        EXCLUDE USING gist (tenant_id WITH =, model_id WITH =, environment WITH =, target WITH =, serving WITH &&)
);
CREATE INDEX deployments_at ON cairn.deployments USING gist (tenant_id, environment, serving);
CREATE INDEX deployments_by_version ON cairn.deployments (tenant_id, model_id, version);

CALL cairn.enable_tenant_isolation('cairn.deployments');
REVOKE DELETE ON cairn.deployments FROM cairn_app;
