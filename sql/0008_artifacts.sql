-- 0008 artifacts: each version's files (content in the blob store, addressed by SHA-256), the digest of a READY
-- version's whole tree, and what integrity sweeps found.

CREATE TABLE cairn.version_files (
    tenant_id  uuid NOT NULL,
    model_id   uuid NOT NULL,
    version    integer NOT NULL,
    -- Relative and normalised, as ArtifactPath makes it; the database refuses anything else too.
    path       text NOT NULL CHECK (
                   octet_length(path) BETWEEN 1 AND 1024 AND path !~ '^/' AND path !~ '(^|/)\.\.?(/|$)' AND path !~ '//'
                   AND path !~ '/$' AND strpos(path, E'\\') = 0 AND path !~ '[[:cntrl:]]'),
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type text NOT NULL CHECK (char_length(media_type) BETWEEN 1 AND 200),
    format     text NOT NULL
               CHECK (format IN ('onnx', 'safetensors', 'pytorch', 'pickle', 'joblib', 'savedmodel', 'gguf', 'plain')),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    PRIMARY KEY (tenant_id, model_id, version, path),
    FOREIGN KEY (tenant_id, model_id, version) REFERENCES cairn.model_versions (tenant_id, model_id, version) ON DELETE CASCADE
);
CREATE INDEX version_files_by_blob ON cairn.version_files (tenant_id, sha256);
CALL cairn.enable_tenant_isolation('cairn.version_files');

-- The latest sweep's finding per blob. No row: not checked since it was (re)uploaded.
CREATE TABLE cairn.blob_integrity (
    tenant_id  uuid NOT NULL,
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    state      text NOT NULL CHECK (state IN ('intact', 'missing', 'corrupt')),
    checked_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);
CALL cairn.enable_tenant_isolation('cairn.blob_integrity');

-- Only a version still being registered takes files; a READY version's files are frozen. Deleting the version
-- cascades to its files: by then the version row is gone, so the check passes.
CREATE FUNCTION cairn.refuse_frozen_files() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target cairn.version_files;
    current_status text;
BEGIN
    IF TG_OP = 'DELETE' THEN target := OLD; ELSE target := NEW; END IF;
    SELECT status INTO current_status FROM cairn.model_versions
     WHERE tenant_id = target.tenant_id AND model_id = target.model_id AND version = target.version;
    IF current_status = 'READY' OR (TG_OP <> 'DELETE' AND current_status <> 'PENDING_REGISTRATION') THEN
        RAISE EXCEPTION 'the files of version % are frozen (%)', target.version, current_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'version_files_frozen';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER version_files_frozen BEFORE INSERT OR UPDATE OR DELETE ON cairn.version_files
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_frozen_files();

-- When a version becomes READY the database seals its tree: files_digest is SHA-256 over one line per file,
-- '<sha256> <size> <path>\n', in byte order of path (FilesManifest in CairnCore computes the same). NULL: no files.
-- READY is final, and nobody writes files_digest by hand.
ALTER TABLE cairn.model_versions ADD COLUMN files_digest text CHECK (files_digest ~ '^[0-9a-f]{64}$');

CREATE FUNCTION cairn.seal_version_files() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'READY' AND NEW.status <> 'READY' THEN
        RAISE EXCEPTION 'version % is READY; its status is final', OLD.version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'version_ready_is_final';
    END IF;
    IF NEW.status = 'READY' AND OLD.status <> 'READY' THEN
        NEW.files_digest := (
            SELECT encode(sha256(convert_to(string_agg(f.sha256 || ' ' || f.size || ' ' || f.path || E'\n', '' ORDER BY f.path COLLATE "C"), 'UTF8')), 'hex')
              FROM cairn.version_files f
             WHERE f.tenant_id = NEW.tenant_id AND f.model_id = NEW.model_id AND f.version = NEW.version);
    ELSIF NEW.files_digest IS DISTINCT FROM OLD.files_digest THEN
        RAISE EXCEPTION 'files_digest is set only when a version becomes READY'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'version_files_digest_sealed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER model_versions_seal_files BEFORE UPDATE OF status, files_digest ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.seal_version_files();
