-- Personal access tokens for the JSON API (the twin of
-- migrations/sqlite/0006_personal_access_tokens.sql). Only the token's SHA-256 is stored.
CREATE TABLE personal_access_tokens (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    -- SHA-256 of the whole token text (`roster_pat_...`), 32 bytes.
    token_hash      BYTEA  NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- Space-separated scopes, e.g. `profile:read users:read`.
    scopes          TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    -- NULL: never expires.
    expires_at      BIGINT,
    -- Last authenticated call, to the minute (written at most once a minute).
    last_used_at    BIGINT
);

CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, created_at);
