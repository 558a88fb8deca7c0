-- Substring search of the admin user list over email and display name (the twin of
-- migrations/sqlite/0005_user_search.sql, which uses an FTS5 trigram table): pg_trgm GIN
-- indexes serve `LIKE '%...%'` on the lower-cased text; every candidate they find is
-- rechecked, so the match is exact. pg_trgm is a trusted extension (PostgreSQL 13+): the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Emails are stored lower-cased already.
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
CREATE INDEX profiles_display_name_trgm ON profiles USING gin (lower(display_name) gin_trgm_ops);
