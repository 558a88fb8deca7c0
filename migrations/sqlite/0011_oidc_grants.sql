-- OpenID Connect sign-ins (issue 17): what each person allowed each app, and the grants, codes
-- and refresh tokens made from it. Codes and refresh tokens are 32 random bytes kept as
-- SHA-256 only. Times are Unix seconds, UTC.

-- "Allow" remembered per person, app and scope set (a wider set asks again).
CREATE TABLE oauth_consents (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  INTEGER NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
) STRICT;

-- One sign-in of a person into an app: the code and every token made from it hang off it, so
-- revoking it (a reused code or refresh token, "Revoke access") ends them all.
CREATE TABLE oauth_grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  INTEGER NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    scopes     TEXT    NOT NULL,
    nonce      TEXT,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX oauth_grants_user ON oauth_grants (user_id, client_id);

CREATE TABLE oauth_codes (
    code_hash      BLOB    PRIMARY KEY CHECK (length(code_hash) = 32),
    grant_id       INTEGER NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;

CREATE TABLE oauth_refresh_tokens (
    token_hash BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
    grant_id   INTEGER NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Set when it was exchanged for a new one; a second use ends the grant (reuse detection).
    used_at    INTEGER
) STRICT;

CREATE INDEX oauth_refresh_tokens_grant ON oauth_refresh_tokens (grant_id);
