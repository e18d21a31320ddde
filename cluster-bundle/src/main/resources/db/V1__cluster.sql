-- The cluster's shared state (Data Center). Applied by the product in one transaction, never by hand;
-- a later change of the schema is a new file V2__..., never an edit of this one.

-- Every accepted change of the cluster's apps, in commit order (seq is taken under the audit table's
-- lock, so a higher seq is always a later commit).
CREATE TABLE appsign_changes (
    seq              bigserial   PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('INSTALL', 'UNINSTALL')),
    app_key          text        NOT NULL,
    version          text,
    origin           text,
    app_sha256       text        CHECK (app_sha256 ~ '^[0-9a-f]{64}$'),
    signature_sha256 text        CHECK (signature_sha256 ~ '^[0-9a-f]{64}$'),
    record           text,
    node             text        NOT NULL,
    user_name        text,
    accepted_at      timestamptz NOT NULL,
    CHECK (kind = 'UNINSTALL' OR (app_sha256 IS NOT NULL AND record IS NOT NULL AND origin IS NOT NULL))
);
CREATE INDEX appsign_changes_by_key ON appsign_changes (app_key, seq);

-- The one audit chain of the cluster: each line's "prev" is the hash of the line before.
CREATE TABLE appsign_audit (
    line      bigint PRIMARY KEY CHECK (line > 0),
    line_text text   NOT NULL,
    hash      text   NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- The administrator's tightenings of the operator's policy.
CREATE TABLE appsign_admin_policy (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- Each node's last report of itself.
CREATE TABLE appsign_nodes (
    node_id     text        PRIMARY KEY,
    last_seen   timestamptz NOT NULL,
    in_sync     boolean     NOT NULL,
    applied_seq bigint      NOT NULL,
    problems    text        NOT NULL,
    trust_store text
);

-- The administrator's sessions, by the SHA-256 of their id (the id itself is never stored).
CREATE TABLE appsign_sessions (
    id_sha256  text        PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
    user_name  text        NOT NULL,
    csrf_token text        NOT NULL,
    last_used  timestamptz NOT NULL
);

-- Failed sign-ins per account; a row is locked (SELECT ... FOR UPDATE) while an attempt is counted.
CREATE TABLE appsign_lockout (
    account      text        PRIMARY KEY,
    failures     integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until timestamptz
);
