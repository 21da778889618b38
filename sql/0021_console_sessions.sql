-- 0021 Console sessions: a person signed in to the web console (/ui/). A session is a person's, not a tenant's —
-- their roles span tenants and are read from the directory on every request — so it has no tenant_id and no
-- row-level security. A row is found only by the SHA-256 of the cookie's secret; the secret itself is never stored,
-- so reading this table opens no session. Any replica serves any request.
CREATE TABLE cairn.console_sessions (
    secret_hash     text PRIMARY KEY CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
    username        text NOT NULL CHECK (char_length(username) BETWEEN 1 AND 256),
    csrf_token      text NOT NULL CHECK (csrf_token ~ '^[A-Za-z0-9_-]{43}$'),
    client_address  text NOT NULL CHECK (char_length(client_address) <= 64),
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    idle_expires_at timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    CHECK (idle_expires_at <= expires_at AND expires_at > created_at)
);
CREATE INDEX console_sessions_by_user ON cairn.console_sessions (username);
CREATE INDEX console_sessions_by_expiry ON cairn.console_sessions (expires_at);

-- The app creates, resumes (moving the idle deadline, never past the absolute one), ends and prunes sessions; who a
-- session belongs to, its token and its absolute end never change.
GRANT SELECT, INSERT, DELETE ON cairn.console_sessions TO cairn_app;
GRANT UPDATE (last_seen_at, idle_expires_at, ended_at) ON cairn.console_sessions TO cairn_app;
