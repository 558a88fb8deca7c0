-- Mail (issue 15): verified addresses, one-use links, the durable outbox, and the devices each
-- person signed in from (for new-device notices). Times are Unix seconds, UTC.

-- When the account's current address was confirmed through a link; NULL: not confirmed.
-- Accounts made before this version start unconfirmed.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

-- Links sent by mail: confirm an address, reset a password, confirm a new address. Only the
-- SHA-256 of the link's 32 random bytes is kept (`shared/SECURITY.md`, Login).
CREATE TABLE link_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL
               CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    token_hash BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- The address the link was sent to (for change_email: the new address).
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Used, or voided by a newer link of the same purpose or by a password change.
    used_at    INTEGER
) STRICT;

CREATE INDEX link_tokens_user ON link_tokens (user_id, purpose, created_at);

-- Every mail, written in the transaction of the change that causes it, then sent by the
-- delivery worker (at least once: a claim is a lease that runs out if the node dies).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    to_address      TEXT    NOT NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT    NOT NULL,
    -- The secret part of the mail's link while it is unsent; replaced in the bodies and
    -- cleared once sent, and hidden from anyone but the recipient meanwhile.
    secret          TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    -- A worker holds the mail until then (its lease).
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_to ON outbox (to_address, id);

-- A device is the SHA-256 of a user agent and the client's network (IPv4 /24, IPv6 /64).
CREATE TABLE known_devices (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device    BLOB    NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (user_id, device)
) STRICT;
