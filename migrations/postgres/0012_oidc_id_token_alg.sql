-- How each client's ID tokens are signed: RS256 (every relying party accepts it) or EdDSA
-- (Ed25519). One signing key of each algorithm signs at a time.
ALTER TABLE oauth_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (id_token_alg IN ('RS256', 'EdDSA'));

ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_alg_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_alg_check CHECK (alg IN ('RS256', 'EdDSA'));
