-- 0016 MLflow's artifact proxy: files the mlflow client stores under a tenant's artifact tree
-- (`mlflow-artifacts:/<path>`), content in the same blob store as version files, addressed by SHA-256. A version
-- registered from such a location references the same blobs in version_files (no copy).

CREATE TABLE cairn.proxied_artifacts (
    tenant_id  uuid NOT NULL,
    -- Relative and normalised, as ArtifactPath makes it; the database refuses anything else too.
    path       text NOT NULL CHECK (
                   octet_length(path) BETWEEN 1 AND 1024 AND path !~ '^/' AND path !~ '(^|/)\.\.?(/|$)' AND path !~ '//'
                   AND path !~ '/$' AND strpos(path, E'\\') = 0 AND path !~ '[[:cntrl:]]'),
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    PRIMARY KEY (tenant_id, path)
);
CREATE INDEX proxied_artifacts_by_blob ON cairn.proxied_artifacts (tenant_id, sha256);
-- Listing one directory level is a prefix scan in byte order.
CREATE INDEX proxied_artifacts_by_prefix ON cairn.proxied_artifacts (tenant_id, path text_pattern_ops);
CALL cairn.enable_tenant_isolation('cairn.proxied_artifacts');
