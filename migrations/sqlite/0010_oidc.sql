-- OpenID Connect provider (issue 17): the apps that sign people in through Roster, the keys
-- that sign their tokens, and each person's stable subject id. Times are Unix seconds, UTC.

-- The subject (`sub`) apps know a person by: random, stable, never the email or the row id.
ALTER TABLE users ADD COLUMN subject TEXT;
CREATE UNIQUE INDEX users_subject ON users (subject);

-- A relying party. `client_id` is public and random; a confidential client's secret is kept as
-- SHA-256 only (it is 32 random bytes); a public client has none and must use PKCE.
CREATE TABLE oauth_clients (
    id                        INTEGER PRIMARY KEY,
    client_id                 TEXT    NOT NULL UNIQUE,
    name                      TEXT    NOT NULL,
    secret_hash               BLOB    CHECK (secret_hash IS NULL OR length(secret_hash) = 32),
    -- One URI a line, matched exactly.
    redirect_uris             TEXT    NOT NULL,
    post_logout_redirect_uris TEXT    NOT NULL DEFAULT '',
    -- The scopes it may ask for, space-separated.
    scopes                    TEXT    NOT NULL,
    disabled_at               INTEGER,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
) STRICT;

-- The keys that sign ID and access tokens. The private key is sealed with a data key
-- (`server::keyring`); the public half is kept as a JWK for `/oauth/jwks.json`. A retired key
-- signs no more but stays published until the tokens it signed have expired.
CREATE TABLE signing_keys (
    id          INTEGER PRIMARY KEY,
    kid         TEXT    NOT NULL UNIQUE,
    alg         TEXT    NOT NULL CHECK (alg IN ('RS256')),
    private_key TEXT    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
) STRICT;
