-- Every change to what the session and token checks read, as the user's id, for the
-- authentication cache (src/server/auth_cache.rs, issue 18): each process reads the rows it has
-- not applied and drops that user's cached entries. The session's last-seen time, IP and user
-- agent, a token's last use and a TOTP factor's last step are left out: the checks keep those
-- themselves. Rows older than an hour are deleted.
CREATE TABLE auth_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    at      INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
) STRICT;

CREATE INDEX auth_changes_at ON auth_changes (at);

CREATE TRIGGER auth_users_update AFTER UPDATE ON users
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.id); END;
CREATE TRIGGER auth_users_delete AFTER DELETE ON users
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.id); END;

CREATE TRIGGER auth_profiles_update AFTER UPDATE ON profiles
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;
CREATE TRIGGER auth_profiles_delete AFTER DELETE ON profiles
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER auth_sessions_update
AFTER UPDATE OF user_id, idle_timeout, expires_at, remember_me ON user_sessions
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;
CREATE TRIGGER auth_sessions_delete AFTER DELETE ON user_sessions
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER auth_tokens_update
AFTER UPDATE OF user_id, token_hash, scopes, expires_at ON personal_access_tokens
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;
CREATE TRIGGER auth_tokens_delete AFTER DELETE ON personal_access_tokens
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER auth_totp_insert AFTER INSERT ON totp_factors
BEGIN INSERT INTO auth_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER auth_totp_update AFTER UPDATE OF user_id, enabled_at ON totp_factors
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;
CREATE TRIGGER auth_totp_delete AFTER DELETE ON totp_factors
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;

CREATE TRIGGER auth_passkeys_insert AFTER INSERT ON passkeys
BEGIN INSERT INTO auth_changes (user_id) VALUES (NEW.user_id); END;
CREATE TRIGGER auth_passkeys_delete AFTER DELETE ON passkeys
BEGIN INSERT INTO auth_changes (user_id) VALUES (OLD.user_id); END;
