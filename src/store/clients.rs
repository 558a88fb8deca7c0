//! The `oauth_clients` and `signing_keys` tables: OpenID Connect relying parties and the keys
//! that sign their tokens (`oidc`). Secrets are stored as SHA-256 (client secrets) or sealed
//! (private keys); nothing here reads them back in the clear.

use crate::{
    error::{AppError, OrInternal},
    server::db::{query, Ex, Tx},
};

/// A client as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClientRow {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    /// SHA-256 of the secret; `None` for a public client.
    pub secret_hash: Option<Vec<u8>>,
    /// One URI a line.
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    /// Space-separated.
    pub scopes: String,
    /// `RS256` or `EdDSA`.
    pub id_token_alg: String,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const CLIENT_COLUMNS: &str = "id, client_id, name, secret_hash, redirect_uris, \
     post_logout_redirect_uris, scopes, id_token_alg, disabled_at, created_at, updated_at";

/// A new client's stored fields.
#[derive(Debug, Clone)]
pub struct NewClientRow<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: Option<&'a [u8]>,
    pub redirect_uris: &'a str,
    pub post_logout_redirect_uris: &'a str,
    pub scopes: &'a str,
    pub id_token_alg: &'a str,
}

/// Stores a client; returns its row id.
///
/// Errors: `Internal` when the write fails.
pub async fn insert(tx: &mut Tx, client: &NewClientRow<'_>, now: i64) -> Result<i64, AppError> {
    query(
        "INSERT INTO oauth_clients (client_id, name, secret_hash, redirect_uris, \
         post_logout_redirect_uris, scopes, id_token_alg, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(client.client_id)
    .bind(client.name)
    .bind(client.secret_hash)
    .bind(client.redirect_uris)
    .bind(client.post_logout_redirect_uris)
    .bind(client.scopes)
    .bind(client.id_token_alg)
    .bind(now)
    .bind(now)
    .scalar(&mut *tx)
    .await
    .or_internal()
}

/// The client whose public id is `client_id`.
///
/// Errors: `Internal` when the query fails.
pub async fn by_client_id(
    db: impl Into<Ex<'_>>,
    client_id: &str,
) -> Result<Option<ClientRow>, AppError> {
    query(format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// The client of row `id`.
///
/// Errors: `Internal` when the query fails.
pub async fn by_id(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<ClientRow>, AppError> {
    query(format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// Every client, newest first.
///
/// Errors: `Internal` when the query fails.
pub async fn all(db: impl Into<Ex<'_>>) -> Result<Vec<ClientRow>, AppError> {
    query(format!(
        "SELECT {CLIENT_COLUMNS} FROM oauth_clients ORDER BY id DESC"
    ))
    .fetch_all(db)
    .await
    .or_internal()
}

/// Replaces client row `id`'s secret hash (a confidential client's "Rotate secret"). Returns
/// whether it is a confidential client.
///
/// Errors: `Internal` when the write fails.
pub async fn set_secret(tx: &mut Tx, id: i64, hash: &[u8], now: i64) -> Result<bool, AppError> {
    query(
        "UPDATE oauth_clients SET secret_hash = $1, updated_at = $2 \
         WHERE id = $3 AND secret_hash IS NOT NULL",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map(|n| n == 1)
    .or_internal()
}

/// Turns client row `id` off (`Some(now)`) or on again (`None`). Returns whether it exists.
///
/// Errors: `Internal` when the write fails.
pub async fn set_disabled(
    tx: &mut Tx,
    id: i64,
    disabled_at: Option<i64>,
    now: i64,
) -> Result<bool, AppError> {
    query("UPDATE oauth_clients SET disabled_at = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled_at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map(|n| n == 1)
        .or_internal()
}

/// Deletes client row `id` with its consents, grants, codes and refresh tokens. Returns
/// whether it existed.
///
/// Errors: `Internal` when the write fails.
pub async fn delete(tx: &mut Tx, id: i64) -> Result<bool, AppError> {
    query("DELETE FROM oauth_clients WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map(|n| n == 1)
        .or_internal()
}

/// A signing key as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub id: i64,
    pub kid: String,
    pub alg: String,
    /// Sealed for `signing_keys.private_key:{id}`.
    pub private_key: String,
    /// The public half as a JWK (JSON).
    pub public_jwk: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

const KEY_COLUMNS: &str = "id, kid, alg, private_key, public_jwk, created_at, retired_at";

/// The newest key of algorithm `alg` (`RS256`, `EdDSA`) that still signs.
///
/// Errors: `Internal` when the query fails.
pub async fn active_key(
    db: impl Into<Ex<'_>>,
    alg: &str,
) -> Result<Option<SigningKeyRow>, AppError> {
    query(format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys WHERE retired_at IS NULL AND alg = $1 \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(alg)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// The keys to publish at `now`: those that sign, and those retired after `since`.
///
/// Errors: `Internal` when the query fails.
pub async fn published_keys(
    db: impl Into<Ex<'_>>,
    since: i64,
) -> Result<Vec<SigningKeyRow>, AppError> {
    query(format!(
        "SELECT {KEY_COLUMNS} FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 \
         ORDER BY id DESC"
    ))
    .bind(since)
    .fetch_all(db)
    .await
    .or_internal()
}

/// Stores a new key of algorithm `alg` (its private half sealed by `seal(row id)`, which the row
/// id must name), retiring every older one of that algorithm at `now`. Returns the new row's id.
///
/// Errors: `Internal` when a write fails.
pub async fn add_key(
    tx: &mut Tx,
    alg: &str,
    kid: &str,
    public_jwk: &str,
    seal: impl FnOnce(i64) -> String,
    now: i64,
) -> Result<i64, AppError> {
    query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL AND alg = $2")
        .bind(now)
        .bind(alg)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    let id: i64 = query(
        "INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at) \
         VALUES ($1, $2, '', $3, $4) RETURNING id",
    )
    .bind(kid)
    .bind(alg)
    .bind(public_jwk)
    .bind(now)
    .scalar(&mut *tx)
    .await
    .or_internal()?;
    query("UPDATE signing_keys SET private_key = $1 WHERE id = $2")
        .bind(seal(id))
        .bind(id)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    Ok(id)
}
