-- Roles and account status for the admin console, and what the user list shows and sorts by.
-- role: 'user' or 'admin' (a column now; a roles/permissions table can replace it later).
-- status: 'active' or 'disabled' (a disabled account cannot sign in; its sessions end).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'disabled'));
-- Set by an administrator's "Reset password": the next sign-in must choose a new password.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
-- Unix seconds, UTC, of the last successful sign-in (NULL: never).
ALTER TABLE users ADD COLUMN last_login_at INTEGER;

-- The admin user list sorts by these; each index ends in id for stable keyset order.
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_role_status ON users (role, status, created_at, id);
CREATE INDEX users_last_login ON users (last_login_at, id);
CREATE INDEX profiles_display_name ON profiles (display_name COLLATE NOCASE, user_id);
