-- Accounts, profiles with their settings, and sessions.
-- Times are Unix seconds, UTC.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Lower-cased by Email::parse, so this unique index makes emails unique
    -- case-insensitively (for non-ASCII too, which COLLATE NOCASE would not).
    email         TEXT    NOT NULL,
    -- PHC string, e.g. $argon2id$v=19$m=19456,t=2,p=1$...
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_email ON users (email);

-- One row per user: what they show others, and their preferences.
CREATE TABLE profiles (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT    NOT NULL,
    bio          TEXT    NOT NULL DEFAULT '',
    location     TEXT    NOT NULL DEFAULT '',
    website      TEXT    NOT NULL DEFAULT '',
    theme        TEXT    NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    time_zone    TEXT    NOT NULL DEFAULT 'UTC',
    updated_at   INTEGER NOT NULL
) STRICT;

-- tower-sessions' SQLite store reads and writes this table (schema as its migrate() makes it);
-- created here so the whole schema lives in migrations/.
CREATE TABLE tower_sessions (
    id          TEXT    PRIMARY KEY NOT NULL,
    data        BLOB    NOT NULL,
    expiry_date INTEGER NOT NULL
);

-- The expired-session purge deletes by expiry.
CREATE INDEX tower_sessions_expiry ON tower_sessions (expiry_date);
