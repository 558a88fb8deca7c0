//! The second factors of each account: `totp_factors` (the sealed seed of an authenticator
//! app), `recovery_codes` (SHA-256 only) and `passkeys` (WebAuthn credentials), and the random
//! passkey user handle on `users`. Sealing, code checks and WebAuthn itself are elsewhere
//! (`server::keyring`, `auth::second_factor`, `mfa`).

use crate::{
    error::{AppError, OrInternal},
    server::db::{query, Ex, Tx},
};

/// The text of [`HAS_SECOND_FACTOR`], for `concat!` into other constant SQL.
macro_rules! has_second_factor {
    () => {
        "(EXISTS (SELECT 1 FROM totp_factors tf WHERE tf.user_id = u.id \
         AND tf.enabled_at IS NOT NULL) \
         OR EXISTS (SELECT 1 FROM passkeys pk WHERE pk.user_id = u.id))"
    };
}
pub(crate) use has_second_factor;

/// SQL, over `users u`, that is true when the account has a second factor (an enabled
/// authenticator app or a passkey). Recovery codes alone are not one.
pub const HAS_SECOND_FACTOR: &str = has_second_factor!();

/// What an account has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Summary {
    /// An authenticator app is turned on.
    pub totp: bool,
    /// An authenticator app is set up and waits for its first code.
    pub totp_pending: bool,
    /// Passkeys registered.
    pub passkeys: i64,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
}

impl Summary {
    /// Whether sign-in asks for a second factor.
    pub fn any(&self) -> bool {
        self.totp || self.passkeys > 0
    }
}

/// The factors of `user_id`.
///
/// Errors: `Internal` when the query fails.
pub async fn summary(db: impl Into<Ex<'_>>, user_id: i64) -> Result<Summary, AppError> {
    query(
        "SELECT \
           EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND enabled_at IS NOT NULL) AS totp, \
           EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND enabled_at IS NULL) AS totp_pending, \
           (SELECT COUNT(*) FROM passkeys WHERE user_id = $1) AS passkeys, \
           (SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL) \
             AS recovery_codes_left",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
    .or_internal()
}

/// An authenticator app as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TotpRow {
    /// The seed, sealed for `totp_factors.secret:{user_id}`.
    pub secret: String,
    pub enabled_at: Option<i64>,
    /// The newest time step whose code was used.
    pub last_step: i64,
}

/// The authenticator app of `user_id`, set up or turned on.
///
/// Errors: `Internal` when the query fails.
pub async fn totp(db: impl Into<Ex<'_>>, user_id: i64) -> Result<Option<TotpRow>, AppError> {
    query("SELECT secret, enabled_at, last_step FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
        .or_internal()
}

/// Keeps a new sealed seed for `user_id`, waiting for its first code; replaces one that waits,
/// never one turned on. Returns whether it was kept.
///
/// Errors: `Internal` when the write fails.
pub async fn begin_totp(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    sealed: &str,
    now: i64,
) -> Result<bool, AppError> {
    query(
        "INSERT INTO totp_factors (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
         created_at = excluded.created_at WHERE totp_factors.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now)
    .execute(db)
    .await
    .map(|n| n == 1)
    .or_internal()
}

/// Turns on the waiting authenticator app of `user_id`, its code of time step `step` used.
/// Returns false when none waits (turned on meanwhile, or never set up).
///
/// Errors: `Internal` when the write fails.
pub async fn enable_totp(tx: &mut Tx, user_id: i64, step: i64, now: i64) -> Result<bool, AppError> {
    query(
        "UPDATE totp_factors SET enabled_at = $1, last_step = $2 \
         WHERE user_id = $3 AND enabled_at IS NULL",
    )
    .bind(now)
    .bind(step)
    .bind(user_id)
    .execute(&mut *tx)
    .await
    .map(|n| n == 1)
    .or_internal()
}

/// Marks time step `step` used for `user_id`'s authenticator app if it is newer than the last
/// used one: one statement, so of two requests with the same code one wins. Returns whether it
/// was newer (the code may be accepted).
///
/// Errors: `Internal` when the write fails.
pub async fn use_totp_step(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    step: i64,
) -> Result<bool, AppError> {
    query(
        "UPDATE totp_factors SET last_step = $1 \
         WHERE user_id = $2 AND enabled_at IS NOT NULL AND last_step < $1",
    )
    .bind(step)
    .bind(user_id)
    .execute(db)
    .await
    .map(|n| n == 1)
    .or_internal()
}

/// Removes `user_id`'s authenticator app. Returns whether there was one.
///
/// Errors: `Internal` when the write fails.
pub async fn remove_totp(tx: &mut Tx, user_id: i64) -> Result<bool, AppError> {
    query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map(|n| n > 0)
        .or_internal()
}

/// Replaces `user_id`'s recovery codes by those hashed in `hashes` (SHA-256 each).
///
/// Errors: `Internal` when a write fails.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    user_id: i64,
    hashes: &[Vec<u8>],
    now: i64,
) -> Result<(), AppError> {
    remove_recovery_codes(tx, user_id).await?;
    for hash in hashes {
        query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(hash.as_slice())
            .bind(now)
            .execute(&mut *tx)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// Removes every recovery code of `user_id`.
///
/// Errors: `Internal` when the write fails.
pub async fn remove_recovery_codes(tx: &mut Tx, user_id: i64) -> Result<(), AppError> {
    query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map(|_| ())
        .or_internal()
}

/// Uses the recovery code of `user_id` hashed as `hash`, if it is one of theirs and unused: one
/// statement, so a code works once however many requests carry it. Returns whether it did.
///
/// Errors: `Internal` when the write fails.
pub async fn use_recovery_code(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    hash: &[u8],
    now: i64,
) -> Result<bool, AppError> {
    query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(db)
    .await
    .map(|n| n == 1)
    .or_internal()
}

/// A passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// webauthn-rs's `Passkey` in JSON.
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const PASSKEY_COLUMNS: &str = "id, user_id, name, credential, created_at, last_used_at";

/// The passkeys of `user_id`, oldest first.
///
/// Errors: `Internal` when the query fails.
pub async fn passkeys(db: impl Into<Ex<'_>>, user_id: i64) -> Result<Vec<PasskeyRow>, AppError> {
    query(format!(
        "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
    .or_internal()
}

/// The passkey with credential id `credential_id`.
///
/// Errors: `Internal` when the query fails.
pub async fn passkey_by_credential(
    db: impl Into<Ex<'_>>,
    credential_id: &[u8],
) -> Result<Option<PasskeyRow>, AppError> {
    query(format!(
        "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(db)
    .await
    .or_internal()
}

/// Stores a new passkey of `user_id`; `None` when the credential is registered already.
///
/// Errors: `Internal` when the write fails.
pub async fn add_passkey(
    tx: &mut Tx,
    user_id: i64,
    credential_id: &[u8],
    name: &str,
    credential: &str,
    now: i64,
) -> Result<Option<i64>, AppError> {
    query(
        "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (credential_id) DO NOTHING RETURNING id",
    )
    .bind(user_id)
    .bind(credential_id)
    .bind(name)
    .bind(credential)
    .bind(now)
    .scalar_optional(&mut *tx)
    .await
    .or_internal()
}

/// Records a use of passkey `id` (its counter and flags in `credential`).
///
/// Errors: `Internal` when the write fails.
pub async fn passkey_used(
    db: impl Into<Ex<'_>>,
    id: i64,
    credential: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    query(
        "UPDATE passkeys SET last_used_at = $1, credential = COALESCE($2, credential) \
         WHERE id = $3",
    )
    .bind(now)
    .bind(credential)
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
    .or_internal()
}

/// Removes passkey `id` of `user_id`; returns its name when there was one.
///
/// Errors: `Internal` when the write fails.
pub async fn remove_passkey(
    tx: &mut Tx,
    user_id: i64,
    id: i64,
) -> Result<Option<String>, AppError> {
    query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(id)
        .bind(user_id)
        .scalar_optional(&mut *tx)
        .await
        .or_internal()
}

/// Removes every factor of `user_id` (authenticator app, recovery codes, passkeys). Returns
/// whether there was any.
///
/// Errors: `Internal` when a write fails.
pub async fn remove_all(tx: &mut Tx, user_id: i64) -> Result<bool, AppError> {
    let totp = remove_totp(tx, user_id).await?;
    remove_recovery_codes(tx, user_id).await?;
    let passkeys = query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    Ok(totp || passkeys > 0)
}

/// The passkey user handle of `user_id` (a random UUID), made on first use.
///
/// Errors: `Internal` when a query fails.
pub async fn passkey_handle(tx: &mut Tx, user_id: i64) -> Result<String, AppError> {
    query("UPDATE users SET passkey_handle = $1 WHERE id = $2 AND passkey_handle IS NULL")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .or_internal()?;
    query("SELECT passkey_handle FROM users WHERE id = $1")
        .bind(user_id)
        .scalar(&mut *tx)
        .await
        .or_internal()
}

/// The account whose passkey user handle is `handle`.
///
/// Errors: `Internal` when the query fails.
pub async fn user_by_passkey_handle(
    db: impl Into<Ex<'_>>,
    handle: &str,
) -> Result<Option<i64>, AppError> {
    query("SELECT id FROM users WHERE passkey_handle = $1")
        .bind(handle)
        .scalar_optional(db)
        .await
        .or_internal()
}
