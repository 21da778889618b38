-- 0011 retention: tenant policies, recorded runs, tombstones, and protection in the database.
--
-- Purging a version removes its content, not its record: the version row (metadata, lineage, metrics, card) and its
-- file list stay as a tombstone, and only the blobs no live version references are collected. A purged version stays
-- Archived. Deleting a tombstone removes the row itself; the audit log and the events remain.
--
-- Runs: a job claims a tenant's run under the policy row's lock (FOR UPDATE SKIP LOCKED), records the planned actions
-- and then works through them in short batches, each its own transaction that marks what it did. The run holds a
-- lease that each batch renews; a run whose holder died is resumed by whoever claims it after the lease runs out.
-- Scheduled runs are keyed by their slot on the tenant's schedule grid, unique, so each slot runs once however many
-- replicas claim it.

ALTER TABLE cairn.model_versions
    ADD COLUMN purged_at timestamptz,
    ADD COLUMN purged_by text CHECK (char_length(purged_by) <= 256),
    ADD CONSTRAINT purged_has_actor CHECK ((purged_at IS NULL) = (purged_by IS NULL)),
    ADD CONSTRAINT purged_stays_archived CHECK (purged_at IS NULL OR stage = 'Archived');

CREATE TABLE cairn.retention_policies (
    tenant_id                  uuid PRIMARY KEY REFERENCES cairn.tenants (id),
    rules                      jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
    deployment_protection_days integer NOT NULL DEFAULT 30 CHECK (deployment_protection_days BETWEEN 0 AND 3650),
    revision                   integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    -- The author: scheduled runs act as this person.
    updated_by                 text NOT NULL CHECK (char_length(updated_by) BETWEEN 1 AND 256),
    -- The next slot on this tenant's schedule; NULL: due at the next tick.
    next_run_at                timestamptz
);
CALL cairn.enable_tenant_isolation('cairn.retention_policies');
REVOKE DELETE ON cairn.retention_policies FROM cairn_app;

CREATE TABLE cairn.retention_runs (
    tenant_id       uuid NOT NULL REFERENCES cairn.tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    trigger         text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    slot            timestamptz,
    state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'completed', 'failed')),
    policy_revision integer NOT NULL,
    acting_as       text NOT NULL,
    started_by      text NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    lease_owner     text,
    lease_until     timestamptz,
    resumed         integer NOT NULL DEFAULT 0 CHECK (resumed >= 0),
    -- Actions are worked through in seq order; batches start after this one (done rows leave dead index entries
    -- behind them that a scan from the start would walk again and again).
    done_through    integer NOT NULL DEFAULT 0 CHECK (done_through >= 0),
    planned         integer NOT NULL DEFAULT 0 CHECK (planned >= 0),
    archived        integer NOT NULL DEFAULT 0 CHECK (archived >= 0),
    purged          integer NOT NULL DEFAULT 0 CHECK (purged >= 0),
    deleted         integer NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    skipped         integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    error           text CHECK (char_length(error) <= 2000),
    PRIMARY KEY (tenant_id, id),
    CHECK ((trigger = 'schedule') = (slot IS NOT NULL)),
    CHECK ((state = 'running') = (finished_at IS NULL)),
    CHECK (archived + purged + deleted + skipped <= planned)
);
CREATE UNIQUE INDEX retention_runs_one_per_slot ON cairn.retention_runs (tenant_id, slot) WHERE slot IS NOT NULL;
CREATE UNIQUE INDEX retention_runs_one_running ON cairn.retention_runs (tenant_id) WHERE state = 'running';
CREATE INDEX retention_runs_by_start ON cairn.retention_runs (tenant_id, started_at DESC, id);
CALL cairn.enable_tenant_isolation('cairn.retention_runs');
REVOKE DELETE ON cairn.retention_runs FROM cairn_app;

CREATE TABLE cairn.retention_run_actions (
    tenant_id uuid NOT NULL,
    run_id    uuid NOT NULL,
    seq       integer NOT NULL CHECK (seq >= 1),
    kind      text NOT NULL CHECK (kind IN ('archive', 'purge', 'delete_tombstone')),
    model_id  uuid NOT NULL,
    model     text NOT NULL,
    version   integer NOT NULL,
    rule      text NOT NULL,
    reason    text NOT NULL,
    state     text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'skipped')),
    note      text,
    done_at   timestamptz,
    PRIMARY KEY (tenant_id, run_id, seq),
    FOREIGN KEY (tenant_id, run_id) REFERENCES cairn.retention_runs (tenant_id, id),
    CHECK ((state = 'pending') = (done_at IS NULL))
) WITH (fillfactor = 70);
-- No index on state: batches walk the primary key from the run's cursor, and marking an action done stays a HOT
-- update (room on the page, no indexed column changed).
CALL cairn.enable_tenant_isolation('cairn.retention_run_actions');
REVOKE DELETE ON cairn.retention_run_actions FROM cairn_app;

-- Why retention may not touch a version (NULL when nothing protects it). CairnCore's RetentionPlanner.protection
-- says the same; this is the backstop for any writer that skips it. Reads under the caller's row-level security.
CREATE FUNCTION cairn.retention_protection(v cairn.model_versions) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    alias_name text;
    window_days integer;
BEGIN
    IF v.stage IN ('Production', 'Staging') THEN
        RETURN 'in ' || v.stage;
    END IF;
    SELECT a.alias INTO alias_name FROM cairn.model_aliases a
     WHERE a.tenant_id = v.tenant_id AND a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias LIMIT 1;
    IF alias_name IS NOT NULL THEN
        RETURN format('alias ''%s'' points at it', alias_name);
    END IF;
    IF v.legal_hold THEN
        RETURN 'under legal hold';
    END IF;
    SELECT p.deployment_protection_days INTO window_days FROM cairn.retention_policies p WHERE p.tenant_id = v.tenant_id;
    window_days := COALESCE(window_days, 30);
    IF EXISTS (SELECT 1 FROM cairn.deployments d
                WHERE d.tenant_id = v.tenant_id AND d.model_id = v.model_id AND d.version = v.version
                  AND (upper_inf(d.serving) OR upper(d.serving) > now() - make_interval(days => window_days))) THEN
        RETURN format('deployed now or within the last %s days', window_days);
    END IF;
    IF v.version = (SELECT max(m.version) FROM cairn.model_versions m WHERE m.tenant_id = v.tenant_id AND m.model_id = v.model_id) THEN
        RETURN 'the latest version of its model';
    END IF;
    RETURN NULL;
END $$;

-- A purge (by hand or by a job) and a retention archive or delete (a transaction that set app.retention_run) of a
-- protected version are refused, whatever the application checked. A purge is never undone.
CREATE FUNCTION cairn.refuse_protected_retention() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    why text;
    by_retention boolean := COALESCE(current_setting('app.retention_run', true), '') <> '';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF by_retention THEN
            why := CASE WHEN OLD.purged_at IS NULL THEN 'not a tombstone' ELSE cairn.retention_protection(OLD) END;
        END IF;
    ELSIF OLD.purged_at IS NOT NULL AND NEW.purged_at IS DISTINCT FROM OLD.purged_at THEN
        RAISE EXCEPTION 'version % was purged; a purge is not undone', OLD.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'purged_is_final';
    ELSIF OLD.purged_at IS NULL AND NEW.purged_at IS NOT NULL THEN
        why := COALESCE(cairn.retention_protection(OLD), CASE WHEN OLD.stage <> 'Archived' THEN 'not archived' END);
    ELSIF by_retention AND NEW.stage = 'Archived' AND OLD.stage <> 'Archived' THEN
        why := cairn.retention_protection(OLD);
    END IF;
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'version % is protected from retention: %', OLD.version, why
            USING ERRCODE = 'check_violation', CONSTRAINT = 'version_protected';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER model_versions_retention_update BEFORE UPDATE OF stage, purged_at ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_protected_retention();
CREATE TRIGGER model_versions_retention_delete BEFORE DELETE ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_protected_retention();

-- Which tenants a retention job should visit at `at`: a policy whose slot has come, or a run whose holder's lease
-- ran out. Visits each tenant under its own setting, like tenants_with_due_webhooks; `slugs` restricts the search
-- (a replica dedicated to some tenants), NULL means all.
CREATE FUNCTION cairn.tenants_with_retention_due(at timestamptz, slugs text[]) RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM cairn.tenants WHERE slugs IS NULL OR slug = ANY (slugs) ORDER BY random() LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        IF EXISTS (SELECT 1 FROM cairn.retention_policies p WHERE p.tenant_id = t AND (p.next_run_at IS NULL OR p.next_run_at <= at + interval '1 millisecond'))
           OR EXISTS (SELECT 1 FROM cairn.retention_runs r WHERE r.tenant_id = t AND r.state = 'running' AND r.lease_until <= at) THEN
            RETURN NEXT t;
        END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;
GRANT EXECUTE ON FUNCTION cairn.tenants_with_retention_due(timestamptz, text[]) TO cairn_app;
