-- 0003 audit log: every state change appends an entry in the same transaction. Entries are hash-chained per tenant:
-- each stores the previous entry's hash and its own, computed here (not by the application) from
--   prev_hash | seq | at | actor | action | object_type | object_id | before | after | request_id
-- joined with U+001F, `at` as UTC 'YYYY-MM-DDTHH:MI:SS.ffffffZ', jsonb as its text form, NULL as ''.
-- `cairn audit verify` recomputes the chain independently and names the first entry that does not match, so an
-- edit or deletion by anyone with database access is detectable. The application may only INSERT and SELECT.

CREATE TABLE cairn.audit_heads (
    tenant_id uuid PRIMARY KEY REFERENCES cairn.tenants (id),
    seq       bigint NOT NULL CHECK (seq >= 0),
    hash      text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE TABLE cairn.audit_log (
    tenant_id   uuid NOT NULL REFERENCES cairn.tenants (id),
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL,
    actor       text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 256),
    action      text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    object_type text NOT NULL CHECK (char_length(object_type) BETWEEN 1 AND 64),
    object_id   text NOT NULL CHECK (char_length(object_id) BETWEEN 1 AND 600),
    before      jsonb,
    after       jsonb,
    request_id  text CHECK (char_length(request_id) <= 128),
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_by_object ON cairn.audit_log (tenant_id, object_type, object_id, seq);
CREATE INDEX audit_log_by_actor ON cairn.audit_log (tenant_id, actor, seq);
CREATE INDEX audit_log_by_time ON cairn.audit_log (tenant_id, at);

CREATE FUNCTION cairn.audit_hash(
    prev_hash text, seq bigint, at timestamptz, actor text, action text, object_type text, object_id text,
    before jsonb, after jsonb, request_id text
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(chr(31),
        prev_hash, seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, action,
        object_type, object_id, COALESCE(before::text, ''), COALESCE(after::text, ''), COALESCE(request_id, '')), 'UTF8')), 'hex')
$$;

-- Runs as the owner so the application cannot write the chain head itself; row-level security still applies (the
-- tenant is set on the transaction). The head's row lock orders a tenant's entries; an entry is the last statement
-- of its transaction, so the lock is held briefly.
CREATE FUNCTION cairn.audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head record;
BEGIN
    INSERT INTO cairn.audit_heads (tenant_id, seq, hash) VALUES (NEW.tenant_id, 0, repeat('0', 64))
    ON CONFLICT (tenant_id) DO NOTHING;
    SELECT h.seq, h.hash INTO head FROM cairn.audit_heads h WHERE h.tenant_id = NEW.tenant_id FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.at := date_trunc('microseconds', clock_timestamp());
    NEW.hash := cairn.audit_hash(NEW.prev_hash, NEW.seq, NEW.at, NEW.actor, NEW.action, NEW.object_type,
                                 NEW.object_id, NEW.before, NEW.after, NEW.request_id);
    UPDATE cairn.audit_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON cairn.audit_log FOR EACH ROW EXECUTE FUNCTION cairn.audit_chain();

CALL cairn.enable_tenant_isolation('cairn.audit_log');
CALL cairn.enable_tenant_isolation('cairn.audit_heads');
REVOKE UPDATE, DELETE ON cairn.audit_log FROM cairn_app;
REVOKE INSERT, UPDATE, DELETE ON cairn.audit_heads FROM cairn_app;
REVOKE EXECUTE ON FUNCTION cairn.audit_chain() FROM PUBLIC;
