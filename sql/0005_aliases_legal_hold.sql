-- 0005 aliases (the table exists since 0001) gain their rules; versions gain a legal hold.
ALTER TABLE cairn.model_versions
    ADD COLUMN legal_hold boolean NOT NULL DEFAULT false,
    ADD COLUMN legal_hold_reason text CHECK (char_length(legal_hold_reason) <= 2000),
    ADD CONSTRAINT legal_hold_has_reason CHECK (NOT legal_hold OR legal_hold_reason IS NOT NULL);

-- MLflow reserves "latest" and version-like names (v1, V12) for its own resolution.
ALTER TABLE cairn.model_aliases
    ADD CONSTRAINT model_aliases_not_reserved CHECK (lower(alias) <> 'latest' AND alias !~ '^[vV][0-9]+$');

-- A held version cannot be deleted, whoever asks (jobs later refuse to archive or purge it too).
CREATE FUNCTION cairn.refuse_held_version_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.legal_hold THEN
        RAISE EXCEPTION 'version % of model % is under legal hold', OLD.version, OLD.model_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'legal_hold_blocks_delete';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER model_versions_legal_hold BEFORE DELETE ON cairn.model_versions
    FOR EACH ROW EXECUTE FUNCTION cairn.refuse_held_version_delete();
