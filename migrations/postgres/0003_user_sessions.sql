-- One row per signed-in session (the twin of migrations/sqlite/0003_user_sessions.sql).
-- An identity column never hands out an id twice, so a dead session's record cannot come back
-- to life by naming a newer row.
CREATE TABLE user_sessions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The id of the tower_sessions row, once the browser has come back with it.
    store_id        TEXT,
    remember_me     BOOLEAN NOT NULL,
    created_at      BIGINT  NOT NULL,
    -- Last request, recorded to the minute (written at most once a minute).
    last_seen_at    BIGINT  NOT NULL,
    -- Idle timeout in seconds and absolute deadline, fixed when the session starts.
    idle_timeout    BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    ip              TEXT,
    user_agent      TEXT
);

CREATE INDEX user_sessions_user ON user_sessions (user_id, last_seen_at);
CREATE INDEX user_sessions_expires ON user_sessions (expires_at);
