-- Personal access tokens for the JSON API (/api/v1). The token itself is shown once and never
-- stored: only its SHA-256 (`shared/SECURITY.md`, API tokens). Revoking deletes the row, so a
-- revoked token can never authenticate again. Times are Unix seconds, UTC.
CREATE TABLE personal_access_tokens (
    -- AUTOINCREMENT: ids in audit events keep naming one token for good.
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- SHA-256 of the whole token text (`roster_pat_...`), 32 bytes.
    token_hash      BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- Space-separated scopes, e.g. `profile:read users:read`.
    scopes          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- NULL: never expires.
    expires_at      INTEGER,
    -- Last authenticated call, to the minute (written at most once a minute).
    last_used_at    INTEGER
) STRICT;

CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, created_at);
