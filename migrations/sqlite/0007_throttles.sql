-- Version 7 on PostgreSQL makes the tables the throttles of several nodes share
-- (migrations/postgres/0007_throttles.sql). One SQLite file serves one node, whose throttles
-- are in memory (src/server/throttle/mod.rs): nothing to make here, and the version is kept so
-- both backends' migrations stay numbered alike (tests/database.rs).
SELECT 1;
