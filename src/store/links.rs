//! The `link_tokens` table: the links Roster mails (confirm an address, reset a password,
//! confirm a new address). A link carries 32 random bytes from the operating system's CSPRNG
//! as 64 hex digits; only their SHA-256 is stored. A link works once, until it expires, and
//! only while it is the newest of its purpose for its account; any password change voids every
//! open link of the account (`shared/SECURITY.md`, Login; OWASP ASVS 4.0.3 V2.5.1, V2.3.1).

use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, OrInternal},
    server::db::{query, Ex, Tx},
};

/// What a link is for, as stored in `link_tokens.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::VerifyEmail, Self::ResetPassword, Self::ChangeEmail]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// Random bytes in a link.
pub const TOKEN_BYTES: usize = 32;

/// A new link secret: [`TOKEN_BYTES`] random bytes as lower-case hex.
pub fn new_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` has the shape of a link secret; others are refused without a query.
pub fn looks_like(text: &str) -> bool {
    text.len() == TOKEN_BYTES * 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// SHA-256 of a link secret: the only form stored. A fast hash suffices for 256 random bits.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Stores a new link of `purpose` for `user_id`, sent to `email`, working until `expires_at`
/// (Unix seconds); every older open link of the same purpose for the account is voided.
///
/// Errors: `Internal` when a write fails.
pub async fn issue(
    tx: &mut Tx,
    user_id: i64,
    purpose: Purpose,
    email: &str,
    token: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), AppError> {
    query(
        "UPDATE link_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 \
         AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(&mut *tx)
    .await
    .or_internal()?;
    query(
        "INSERT INTO link_tokens (user_id, purpose, token_hash, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(hash(token))
    .bind(email)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await
    .or_internal()?;
    Ok(())
}

/// An open link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub user_id: i64,
    pub purpose: Purpose,
    /// The address it was sent to.
    pub email: String,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: i64,
    purpose: String,
    email: String,
}

impl LinkRow {
    fn link(self) -> Option<Link> {
        Some(Link {
            user_id: self.user_id,
            purpose: Purpose::parse(&self.purpose)?,
            email: self.email,
        })
    }
}

/// The open link of `purpose` whose secret is `token`, without using it (for a page that shows
/// a form before the link is used); `None` when there is no such link, or it is used, voided or
/// expired.
///
/// Errors: `Internal` when the query fails.
pub async fn peek(
    db: impl Into<Ex<'_>>,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Result<Option<Link>, AppError> {
    if !looks_like(token) {
        return Ok(None);
    }
    let row: Option<LinkRow> = query(
        "SELECT user_id, purpose, email FROM link_tokens WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash(token))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(db)
    .await
    .or_internal()?;
    Ok(row.and_then(LinkRow::link))
}

/// Uses the open link whose secret is `token` if its purpose is one of `purposes` (others are
/// left alone): in one statement, so of two uses at once only one gets it. `None` as for
/// [`peek`].
///
/// Errors: `Internal` when the write fails.
pub async fn consume(
    tx: &mut Tx,
    token: &str,
    purposes: &[Purpose],
    now: i64,
) -> Result<Option<Link>, AppError> {
    if !looks_like(token) {
        return Ok(None);
    }
    let mut statement = query(
        "UPDATE link_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND expires_at > $1 AND purpose IN (",
    )
    .bind(now)
    .bind(hash(token));
    for (i, purpose) in purposes.iter().enumerate() {
        if i > 0 {
            statement.push(", ");
        }
        statement.push_bind(purpose.as_str());
    }
    statement.push(") RETURNING user_id, purpose, email");
    let row: Option<LinkRow> = statement.fetch_optional(tx).await.or_internal()?;
    Ok(row.and_then(LinkRow::link))
}

/// Voids every open link of `user_id` (after any password change). Returns how many.
///
/// Errors: `Internal` when the write fails.
pub async fn void_all(db: impl Into<Ex<'_>>, user_id: i64, now: i64) -> Result<u64, AppError> {
    query("UPDATE link_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(db)
        .await
        .or_internal()
}

/// Deletes links that expired a week or more before `now`. Returns how many.
///
/// Errors: the database's.
pub async fn purge(db: impl Into<Ex<'_>>, now: i64) -> Result<u64, sqlx::Error> {
    query("DELETE FROM link_tokens WHERE expires_at < $1")
        .bind(now - 7 * 24 * 3600)
        .execute(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let a = new_token();
        let b = new_token();
        assert!(looks_like(&a) && looks_like(&b), "{a}");
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 32);
        assert!(!looks_like(&a.to_uppercase()));
        assert!(!looks_like(&a[1..]));
        assert!(!looks_like("' OR 1=1 --"));
    }
}
