-- Append-only record of security events and (later) administrators' changes.
-- Times are Unix seconds, UTC. Rows are never updated; user ids are kept as plain numbers
-- (no foreign key) so that the record outlives the accounts it names.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY,
    occurred_at    INTEGER NOT NULL,
    -- Who did it: a user id, or NULL for an anonymous caller (e.g. a failed login).
    actor_user_id  INTEGER,
    -- What happened, e.g. 'login.succeeded', 'login.failed', 'logout', 'account.created'.
    action         TEXT    NOT NULL,
    -- Whom it concerned, if a user.
    target_user_id INTEGER,
    ip             TEXT,
    user_agent     TEXT,
    -- JSON object with details; never a password, hash, session id or token.
    details        TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_events_occurred ON audit_events (occurred_at);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, occurred_at);
CREATE INDEX audit_events_target ON audit_events (target_user_id, occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at);
