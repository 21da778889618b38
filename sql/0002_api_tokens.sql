-- 0002 API tokens: for pipelines and the MLflow client (Authorization: Bearer). Only a SHA-256 of the token is kept;
-- the 8-hex prefix finds the row. A token acts for its owner in one tenant, with at most `role`, and only while the
-- owner's directory groups still grant that much.
CREATE TABLE cairn.api_tokens (
    tenant_id    uuid NOT NULL REFERENCES cairn.tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    prefix       text NOT NULL CHECK (prefix ~ '^[0-9a-f]{8}$'),
    secret_hash  text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    owner        text NOT NULL CHECK (char_length(owner) BETWEEN 1 AND 256),
    role         text NOT NULL CHECK (role IN ('reader', 'contributor', 'approver', 'admin')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, prefix),
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX api_tokens_by_owner ON cairn.api_tokens (tenant_id, owner);

CALL cairn.enable_tenant_isolation('cairn.api_tokens');
-- A token's identity never changes once issued: the app may mark use and revocation, nothing else.
REVOKE UPDATE ON cairn.api_tokens FROM cairn_app;
GRANT UPDATE (last_used_at, revoked_at, revoked_by) ON cairn.api_tokens TO cairn_app;
