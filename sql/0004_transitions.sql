-- 0004 stage transitions and four-eyes requests.
ALTER TABLE cairn.model_versions
    ADD COLUMN stage_changed_at timestamptz,
    ADD COLUMN stage_changed_by text,
    -- Set while in Production under a tenant that allows one Production version per model.
    ADD COLUMN exclusive_production boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT exclusive_production_only_in_production CHECK (NOT exclusive_production OR stage = 'Production');
CREATE UNIQUE INDEX model_versions_one_exclusive_production
    ON cairn.model_versions (tenant_id, model_id) WHERE stage = 'Production' AND exclusive_production;

CREATE TABLE cairn.transition_requests (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    model_id         uuid NOT NULL,
    version          integer NOT NULL,
    from_stage       text NOT NULL CHECK (from_stage IN ('None', 'Staging', 'Production', 'Archived')),
    to_stage         text NOT NULL CHECK (to_stage IN ('None', 'Staging', 'Production', 'Archived')),
    archive_existing boolean NOT NULL DEFAULT false,
    comment          text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 5000),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    requested_by     text NOT NULL,
    requested_at     timestamptz NOT NULL DEFAULT now(),
    decided_by       text,
    decided_at       timestamptz,
    decision_comment text CHECK (char_length(decision_comment) <= 5000),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE,
    CHECK (from_stage <> to_stage),
    CHECK ((status = 'pending') = (decided_by IS NULL)),
    -- Four-eyes, in the database as well: nobody approves or rejects their own request.
    CHECK (status NOT IN ('approved', 'rejected') OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX transition_requests_one_pending ON cairn.transition_requests (tenant_id, model_id, version) WHERE status = 'pending';
CREATE INDEX transition_requests_by_status ON cairn.transition_requests (tenant_id, status, requested_at DESC);

CALL cairn.enable_tenant_isolation('cairn.transition_requests');
