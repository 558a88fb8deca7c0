-- Every change to what the session and token checks read, as a notification on the
-- `roster_auth` channel whose payload is the user's id, for the authentication cache
-- (src/server/auth_cache.rs, issue 18): every node listens and drops that user's cached
-- entries. Notifications are sent at commit, in commit order. The session's last-seen time, IP
-- and user agent, a token's last use and a TOTP factor's last step are left out: the checks
-- keep those themselves.
CREATE FUNCTION roster_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_user BIGINT;
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        row_user := CASE WHEN TG_OP = 'INSERT' THEN NEW.id ELSE OLD.id END;
    ELSE
        row_user := CASE WHEN TG_OP = 'INSERT' THEN NEW.user_id ELSE OLD.user_id END;
    END IF;
    PERFORM pg_notify('roster_auth', row_user::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER auth_users AFTER UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_profiles AFTER UPDATE OR DELETE ON profiles
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_sessions_update
AFTER UPDATE OF user_id, idle_timeout, expires_at, remember_me ON user_sessions
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_sessions_delete AFTER DELETE ON user_sessions
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_tokens_update
AFTER UPDATE OF user_id, token_hash, scopes, expires_at ON personal_access_tokens
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_tokens_delete AFTER DELETE ON personal_access_tokens
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_totp_insert_delete AFTER INSERT OR DELETE ON totp_factors
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_totp_update AFTER UPDATE OF user_id, enabled_at ON totp_factors
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
CREATE TRIGGER auth_passkeys AFTER INSERT OR DELETE ON passkeys
FOR EACH ROW EXECUTE FUNCTION roster_auth_changed();
