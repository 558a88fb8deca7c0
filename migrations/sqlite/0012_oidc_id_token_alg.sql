-- How each client's ID tokens are signed: RS256 (every relying party accepts it) or EdDSA
-- (Ed25519). One signing key of each algorithm signs at a time.
ALTER TABLE oauth_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_alg IN ('RS256', 'EdDSA'));

-- SQLite cannot widen a CHECK in place: the table is copied with its row ids (a sealed private
-- key names its row), then takes the old name.
CREATE TABLE signing_keys_new (
    id          INTEGER PRIMARY KEY,
    kid         TEXT    NOT NULL UNIQUE,
    alg         TEXT    NOT NULL CHECK (alg IN ('RS256', 'EdDSA')),
    private_key TEXT    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
) STRICT;
INSERT INTO signing_keys_new (id, kid, alg, private_key, public_jwk, created_at, retired_at)
    SELECT id, kid, alg, private_key, public_jwk, created_at, retired_at FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_new RENAME TO signing_keys;
