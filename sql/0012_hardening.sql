-- 0012 hardening: invariants an outside review found the database did not hold.

-- Four-eyes compares people, not spellings: Cairn records the directory's canonical name, and the check ignores
-- case and surrounding spaces as the directory does, so rows written before that still cannot approve themselves.
DO $$
DECLARE
    old_check text;
BEGIN
    SELECT conname INTO old_check FROM pg_constraint
     WHERE conrelid = 'cairn.transition_requests'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%decided_by <> requested_by%';
    IF old_check IS NOT NULL THEN
        EXECUTE format('ALTER TABLE cairn.transition_requests DROP CONSTRAINT %I', old_check);
    END IF;
END $$;
ALTER TABLE cairn.transition_requests ADD CONSTRAINT transition_requests_four_eyes
    CHECK (status NOT IN ('approved', 'rejected') OR lower(btrim(decided_by)) <> lower(btrim(requested_by)));

-- A version's revision counts every change to its row or its metrics. A transition request is bound to the revision
-- it was made against: anything in between (a round trip Staging → None → Staging, a card edit) makes it stale.
ALTER TABLE cairn.model_versions ADD COLUMN revision bigint NOT NULL DEFAULT 0;
ALTER TABLE cairn.transition_requests ADD COLUMN from_revision bigint NOT NULL DEFAULT 0;

CREATE FUNCTION cairn.count_version_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Whoever writes the counter (the metrics trigger below) adds exactly one; any other change adds one too.
    IF NEW.revision IS DISTINCT FROM OLD.revision OR ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END $$;
-- Named to run before model_versions_touch (triggers fire in name order), so a touch alone is no change.
CREATE TRIGGER model_versions_revision BEFORE UPDATE ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.count_version_revision();

CREATE FUNCTION cairn.count_metric_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cairn.model_versions v SET revision = v.revision + 1
      FROM (SELECT DISTINCT tenant_id, model_id, version FROM changed) c
     WHERE v.tenant_id = c.tenant_id AND v.model_id = c.model_id AND v.version = c.version;
    RETURN NULL;
END $$;
CREATE TRIGGER version_metrics_revision_insert AFTER INSERT ON cairn.version_metrics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cairn.count_metric_revision();
CREATE TRIGGER version_metrics_revision_update AFTER UPDATE ON cairn.version_metrics
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cairn.count_metric_revision();

-- Metrics are evidence: once a version leaves None they are append-only. A new evaluation is a new row (its own
-- dataset label, time and author); a recorded value is never overwritten or removed. Deleting the version itself
-- (which cascades) is governed by the version's own rules.
ALTER TABLE cairn.version_metrics
    ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN recorded_by text;

CREATE FUNCTION cairn.refuse_metric_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_stage text;
BEGIN
    SELECT stage INTO current_stage FROM cairn.model_versions
     WHERE tenant_id = OLD.tenant_id AND model_id = OLD.model_id AND version = OLD.version;
    IF current_stage IS NOT NULL AND current_stage <> 'None'
       AND (TG_OP = 'DELETE' OR NEW.value IS DISTINCT FROM OLD.value OR NEW.dataset <> OLD.dataset OR NEW.key <> OLD.key) THEN
        RAISE EXCEPTION 'metric % of version % is recorded evidence (stage %)', OLD.key, OLD.version, current_stage
            USING ERRCODE = 'check_violation', CONSTRAINT = 'metrics_append_only';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER version_metrics_append_only BEFORE UPDATE OR DELETE ON cairn.version_metrics
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_metric_rewrite();

-- The card of a Production version is changed only by an approver: the application states the caller's role for the
-- transaction (app.actor_role, local to it), and a writer that does not is refused.
CREATE FUNCTION cairn.refuse_production_card_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.stage = 'Production' AND NEW.model_card IS DISTINCT FROM OLD.model_card
       AND COALESCE(current_setting('app.actor_role', true), '') NOT IN ('approver', 'admin') THEN
        RAISE EXCEPTION 'the model card of version % is in Production; only an approver changes it', OLD.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'production_card_needs_approver';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER model_versions_production_card BEFORE UPDATE OF model_card ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_production_card_edit();

-- READY with files comes only from finalize, which checks the content and announces model_version.finalized; it
-- marks its transaction with app.finalizing. A version without files has nothing to check.
CREATE FUNCTION cairn.refuse_unfinalized_ready() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'READY' AND OLD.status <> 'READY'
       AND COALESCE(current_setting('app.finalizing', true), '') <> 'on'
       AND EXISTS (SELECT 1 FROM cairn.version_files f
                    WHERE f.tenant_id = NEW.tenant_id AND f.model_id = NEW.model_id AND f.version = NEW.version) THEN
        RAISE EXCEPTION 'version % has files: finalize it to make it READY', OLD.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ready_needs_finalize';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER model_versions_ready_needs_finalize BEFORE UPDATE OF status ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_unfinalized_ready();

-- A Production version is never deleted, not even by a cascade from its model (legal hold has the same guard).
CREATE FUNCTION cairn.refuse_production_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.stage = 'Production' THEN
        RAISE EXCEPTION 'version % of model % is in Production', OLD.version, OLD.model_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'production_blocks_delete';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER model_versions_production_delete BEFORE DELETE ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_production_delete();

-- Bounded growth: the outbox and the webhook delivery log keep a retention window. Settled deliveries (delivered or
-- dead) older than it go with their attempts; events older than it go once no delivery refers to them. The audit
-- log, the system of record, keeps every change. Visits each tenant under its own setting, so RLS still applies.
CREATE INDEX webhook_deliveries_by_event ON cairn.webhook_deliveries (tenant_id, event_id) WHERE event_id IS NOT NULL;

CREATE FUNCTION cairn.prune_outbox(events_before timestamptz, deliveries_before timestamptz, batch integer, only_tenants uuid[])
RETURNS TABLE (events bigint, deliveries bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t uuid;
    removed bigint;
BEGIN
    events := 0;
    deliveries := 0;
    FOR t IN SELECT id FROM cairn.tenants WHERE only_tenants IS NULL OR id = ANY (only_tenants) ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        WITH gone AS (
            DELETE FROM cairn.webhook_deliveries d
             WHERE d.tenant_id = t AND d.id IN (
                SELECT x.id FROM cairn.webhook_deliveries x
                 WHERE x.tenant_id = t AND x.state IN ('delivered', 'dead') AND x.created_at < deliveries_before
                 LIMIT batch)
            RETURNING 1)
        SELECT count(*) INTO removed FROM gone;
        deliveries := deliveries + removed;
        WITH gone AS (
            DELETE FROM cairn.events e
             WHERE e.tenant_id = t AND e.id IN (
                SELECT x.id FROM cairn.events x
                 WHERE x.tenant_id = t AND x.at < events_before
                   AND NOT EXISTS (SELECT 1 FROM cairn.webhook_deliveries w WHERE w.tenant_id = t AND w.event_id = x.id)
                 ORDER BY x.id LIMIT batch)
            RETURNING 1)
        SELECT count(*) INTO removed FROM gone;
        events := events + removed;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    RETURN NEXT;
END $$;
REVOKE EXECUTE ON FUNCTION cairn.prune_outbox(timestamptz, timestamptz, integer, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cairn.prune_outbox(timestamptz, timestamptz, integer, uuid[]) TO cairn_app;
