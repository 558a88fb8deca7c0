-- Two-factor sign-in (issue 16): an authenticator app (TOTP), recovery codes, passkeys, and
-- the check values of the data keys that seal secrets at rest. Times are Unix seconds, UTC.

-- The data keys this database's sealed values were made with: each row holds a known text
-- sealed under the key, so start-up proves the key file is the right one before any request
-- (`server::keyring`; `shared/SECURITY.md`, Keys and secrets at rest).
CREATE TABLE data_keys (
    id          TEXT    PRIMARY KEY,
    check_value TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- An authenticator app (RFC 6238): the seed sealed with a data key. Set up but unconfirmed
-- while `enabled_at` is NULL. `last_step` is the newest 30-second step whose code was used,
-- so each code is accepted once.
CREATE TABLE totp_factors (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Recovery codes: SHA-256 of each (they are random, 60 bits), each usable once.
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  BLOB    NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    created_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- Passkeys (WebAuthn): the credential as webauthn-rs keeps it (public key, counter) in JSON;
-- nothing in it is secret.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;

CREATE INDEX passkeys_user ON passkeys (user_id);

-- The random user handle passkeys carry (WebAuthn's user.id): never the row id or the email.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle ON users (passkey_handle);
