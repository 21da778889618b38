-- 0022 a version's audit trail: every entry about one model version — its own (object model_version, id
-- 'model/version'), and those of its transition requests, deployments, aliases and files, which name the version
-- in their after (or before) image. The console's version page reads it newest first, fifty at a time.
CREATE INDEX audit_log_by_version ON cairn.audit_log (
    tenant_id, (COALESCE(after, before) ->> 'model'), (COALESCE(after, before) ->> 'version'), seq);
