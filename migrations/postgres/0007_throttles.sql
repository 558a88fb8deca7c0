-- The throttles every node shares (src/server/throttle/shared.rs): login failures per account
-- and per client IP, sign-ups per IP, and each API token's bucket. UNLOGGED: a crash may
-- forget them, which only ever helps a legitimate user, and they cost no WAL.
CREATE UNLOGGED TABLE throttle_entries (
    -- 'account' (key: SHA-256 of the normalised name), 'ip' or 'signup' (key: the address's
    -- octets, IPv6 by its /64).
    kind          TEXT   NOT NULL,
    key           BYTEA  NOT NULL,
    failures      BIGINT NOT NULL DEFAULT 0,
    -- Unix seconds, UTC.
    window_start  BIGINT NOT NULL DEFAULT 0,
    in_window     BIGINT NOT NULL DEFAULT 0,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    touched       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
);

-- The purge deletes entries idle for an hour.
CREATE INDEX throttle_entries_touched ON throttle_entries (touched);

CREATE UNLOGGED TABLE throttle_buckets (
    -- 'api' (key: the token id, 8 bytes big-endian).
    kind    TEXT             NOT NULL,
    key     BYTEA            NOT NULL,
    -- Calls left, refilled evenly over a minute; whether the last call was let through.
    tokens  DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN          NOT NULL,
    at      TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (kind, key)
);
