-- One row per signed-in session: what /settings/sessions lists and what ends a session.
-- The tower-sessions record of the browser holds this row's id; a session whose row is gone,
-- or whose idle or absolute deadline has passed, is signed out on its next request.
-- Times are Unix seconds, UTC.
CREATE TABLE user_sessions (
    -- AUTOINCREMENT: an id is never reused, so a dead session's record cannot come back to
    -- life by naming a newer row.
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The id of the tower_sessions row, once the browser has come back with it (the store
    -- assigns it only when the session is first saved). Used to delete that row too.
    store_id        TEXT,
    remember_me     INTEGER NOT NULL CHECK (remember_me IN (0, 1)),
    created_at      INTEGER NOT NULL,
    -- Last request, recorded to the minute (written at most once a minute).
    last_seen_at    INTEGER NOT NULL,
    -- Idle timeout in seconds and absolute deadline, fixed when the session starts.
    idle_timeout    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    ip              TEXT,
    user_agent      TEXT
) STRICT;

CREATE INDEX user_sessions_user ON user_sessions (user_id, last_seen_at);
CREATE INDEX user_sessions_expires ON user_sessions (expires_at);
