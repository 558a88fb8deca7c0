//! What people allowed apps (`oauth_consents`) and what came of it: grants, their one-use
//! authorization codes and rotating refresh tokens (`oidc`). Codes and refresh tokens are kept
//! as SHA-256 only; every "use" is one conditional statement, so a value works once however
//! many requests carry it.

use crate::{
    error::{AppError, OrInternal},
    server::db::{query, Ex, Tx},
};

/// The scopes `user_id` allowed client row `client_id`, if any.
///
/// Errors: `Internal` when the query fails.
pub async fn consent(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    client_id: i64,
) -> Result<Option<String>, AppError> {
    query("SELECT scopes FROM oauth_consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .scalar_optional(db)
        .await
        .or_internal()
}

/// Remembers that `user_id` allowed client row `client_id` the space-separated `scopes`.
///
/// Errors: `Internal` when the write fails.
pub async fn save_consent(
    tx: &mut Tx,
    user_id: i64,
    client_id: i64,
    scopes: &str,
    now: i64,
) -> Result<(), AppError> {
    query(
        "INSERT INTO oauth_consents (user_id, client_id, scopes, granted_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, client_id) \
         DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scopes)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map(|_| ())
    .or_internal()
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    /// The client's row id.
    pub client_id: i64,
    pub scopes: String,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub revoked_at: Option<i64>,
}

/// A new grant's fields.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    pub user_id: i64,
    pub client_id: i64,
    pub scopes: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
}

/// Stores a grant with its first code (hashed), which works until `code_expires_at`.
///
/// Errors: `Internal` when a write fails.
pub async fn add_grant_with_code(
    tx: &mut Tx,
    grant: &NewGrant<'_>,
    code_hash: &[u8],
    redirect_uri: &str,
    code_challenge: &str,
    code_expires_at: i64,
    now: i64,
) -> Result<i64, AppError> {
    let id: i64 = query(
        "INSERT INTO oauth_grants (user_id, client_id, scopes, nonce, auth_time, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(grant.user_id)
    .bind(grant.client_id)
    .bind(grant.scopes)
    .bind(grant.nonce)
    .bind(grant.auth_time)
    .bind(now)
    .scalar(&mut *tx)
    .await
    .or_internal()?;
    query(
        "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code_hash)
    .bind(id)
    .bind(redirect_uri)
    .bind(code_challenge)
    .bind(code_expires_at)
    .execute(&mut *tx)
    .await
    .or_internal()?;
    Ok(id)
}

/// Grant `id`.
///
/// Errors: `Internal` when the query fails.
pub async fn grant(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<GrantRow>, AppError> {
    query(
        "SELECT id, user_id, client_id, scopes, nonce, auth_time, revoked_at \
         FROM oauth_grants WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// A code as its use finds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRow {
    pub grant_id: i64,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
}

/// Uses the code hashed as `hash`: its row when it was unused (now used), `Err(Some(grant))`
/// when it was used before (a replay: the caller ends that grant), `Err(None)` when unknown.
///
/// Errors: `Internal` when a query fails.
pub async fn use_code(
    db: impl Into<Ex<'_>> + Copy,
    hash: &[u8],
    now: i64,
) -> Result<Result<CodeRow, Option<i64>>, AppError> {
    let used: Option<CodeRow> = query(
        "UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL \
         RETURNING grant_id, redirect_uri, code_challenge, expires_at",
    )
    .bind(now)
    .bind(hash)
    .fetch_optional(db)
    .await
    .or_internal()?;
    if let Some(row) = used {
        return Ok(Ok(row));
    }
    let replayed: Option<i64> = query("SELECT grant_id FROM oauth_codes WHERE code_hash = $1")
        .bind(hash)
        .scalar_optional(db)
        .await
        .or_internal()?;
    Ok(Err(replayed))
}

/// Stores a refresh token (hashed) of grant `grant_id`.
///
/// Errors: `Internal` when the write fails.
pub async fn add_refresh_token(
    db: impl Into<Ex<'_>>,
    hash: &[u8],
    grant_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), AppError> {
    query(
        "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(grant_id)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await
    .map(|_| ())
    .or_internal()
}

/// Uses the refresh token hashed as `hash`: `Ok((grant, expires_at))` when it was unused (now
/// used: it is exchanged once), `Err(Some(grant))` when it was used before (reuse: the caller
/// ends the grant), `Err(None)` when unknown.
///
/// Errors: `Internal` when a query fails.
pub async fn use_refresh_token(
    db: impl Into<Ex<'_>> + Copy,
    hash: &[u8],
    now: i64,
) -> Result<Result<(i64, i64), Option<i64>>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Used {
        grant_id: i64,
        expires_at: i64,
    }
    let used: Option<Used> = query(
        "UPDATE oauth_refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         RETURNING grant_id, expires_at",
    )
    .bind(now)
    .bind(hash)
    .fetch_optional(db)
    .await
    .or_internal()?;
    if let Some(u) = used {
        return Ok(Ok((u.grant_id, u.expires_at)));
    }
    let reused: Option<i64> =
        query("SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1")
            .bind(hash)
            .scalar_optional(db)
            .await
            .or_internal()?;
    Ok(Err(reused))
}

/// A refresh token as it stands, used or not.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshRow {
    pub grant_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// The refresh token hashed as `hash`, without using it (revocation, introspection).
///
/// Errors: `Internal` when the query fails.
pub async fn refresh_token(
    db: impl Into<Ex<'_>>,
    hash: &[u8],
) -> Result<Option<RefreshRow>, AppError> {
    query(
        "SELECT grant_id, created_at, expires_at, used_at FROM oauth_refresh_tokens          WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// Ends grant `id`: marked revoked (its access tokens fail introspection and userinfo) and its
/// refresh tokens deleted. Returns whether it was live.
///
/// Errors: `Internal` when a write fails.
pub async fn revoke_grant(tx: &mut Tx, id: i64, now: i64) -> Result<bool, AppError> {
    let live =
        query("UPDATE oauth_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .or_internal()?;
    query("DELETE FROM oauth_refresh_tokens WHERE grant_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    Ok(live == 1)
}

/// The subject (`sub`) of `user_id`: a random UUID, made on first use and never changed.
///
/// Errors: `Internal` when a query fails.
pub async fn subject(tx: &mut Tx, user_id: i64) -> Result<String, AppError> {
    query("UPDATE users SET subject = $1 WHERE id = $2 AND subject IS NULL")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    query("SELECT subject FROM users WHERE id = $1")
        .bind(user_id)
        .scalar(&mut *tx)
        .await
        .or_internal()
}

/// The account whose subject is `subject`.
///
/// Errors: `Internal` when the query fails.
pub async fn user_by_subject(
    db: impl Into<Ex<'_>>,
    subject: &str,
) -> Result<Option<i64>, AppError> {
    query("SELECT id FROM users WHERE subject = $1")
        .bind(subject)
        .scalar_optional(db)
        .await
        .or_internal()
}

/// An app a person allowed, as `/settings/apps` lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllowedApp {
    /// The client's row id.
    pub client_id: i64,
    pub name: String,
    pub scopes: String,
    pub granted_at: i64,
}

/// The apps `user_id` allowed, most recent first.
///
/// Errors: `Internal` when the query fails.
pub async fn allowed_apps(
    db: impl Into<Ex<'_>>,
    user_id: i64,
) -> Result<Vec<AllowedApp>, AppError> {
    query(
        "SELECT c.id AS client_id, c.name, k.scopes, k.granted_at FROM oauth_consents k \
         JOIN oauth_clients c ON c.id = k.client_id WHERE k.user_id = $1 \
         ORDER BY k.granted_at DESC, c.id DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
    .or_internal()
}

/// "Revoke access": forgets `user_id`'s consent for client row `client_id` and ends every
/// grant between them (their refresh tokens deleted, their access tokens dead). Returns
/// whether there was a consent.
///
/// Errors: `Internal` when a write fails.
pub async fn revoke_app(
    tx: &mut Tx,
    user_id: i64,
    client_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    query(
        "DELETE FROM oauth_refresh_tokens WHERE grant_id IN \
         (SELECT id FROM oauth_grants WHERE user_id = $1 AND client_id = $2)",
    )
    .bind(user_id)
    .bind(client_id)
    .execute(&mut *tx)
    .await
    .or_internal()?;
    query(
        "UPDATE oauth_grants SET revoked_at = $1 \
         WHERE user_id = $2 AND client_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(client_id)
    .execute(&mut *tx)
    .await
    .or_internal()?;
    query("DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .execute(&mut *tx)
        .await
        .map(|n| n > 0)
        .or_internal()
}
