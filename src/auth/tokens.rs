//! Personal access tokens as credentials: their text (`roster_pat_` + 32 base62 characters),
//! the SHA-256 under which they are stored, the `personal_access_tokens` table, and the check of
//! a bearer token into a [`CheckedToken`], from which the JSON API takes its capabilities
//! (`shared/SECURITY.md`, API tokens; OWASP ASVS 4.0.3 V13.1, ASVS 5.0 V11.5). What people do
//! with their tokens (the form, its rules, the audit events) is the tokens feature's.

use crate::server::{
    auth_cache::Key,
    db::{query, Db, Ex},
    AppState,
};
use sha2::{Digest, Sha256};

use super::caller::{Admin, Me};
use crate::{
    domain::{AccountStatus, Role, Scope},
    error::{AppError, OrInternal},
};

/// Every token starts with this, so secret scanners and people can tell what it is.
pub const TOKEN_PREFIX: &str = "roster_pat_";

/// Random characters after [`TOKEN_PREFIX`]: 32 base62 characters, about 190 bits from the
/// operating system's CSPRNG (at least 128 are required).
pub const TOKEN_RANDOM_CHARS: usize = 32;

/// `last_used_at` is written at most this often, in seconds, so a busy token does not write on
/// every call.
const LAST_USED_RESOLUTION: i64 = 60;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new token's text: `roster_pat_` + [`TOKEN_RANDOM_CHARS`] base62 characters. Bytes are drawn
/// from `OsRng` and those of 248 and above are thrown away, so every character is equally
/// likely.
pub fn generate() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut token = String::with_capacity(TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS);
    token.push_str(TOKEN_PREFIX);
    let mut chars = 0;
    let mut bytes = [0u8; 64];
    while chars < TOKEN_RANDOM_CHARS {
        OsRng.fill_bytes(&mut bytes);
        for b in bytes {
            if b < 248 && chars < TOKEN_RANDOM_CHARS {
                token.push(BASE62[usize::from(b % 62)] as char);
                chars += 1;
            }
        }
    }
    token
}

/// SHA-256 of a token's text: the only form in which a token is stored. A fast hash is enough
/// because the token is 190 random bits, not a password a person chose.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `text` has the shape of a token (prefix, length, alphabet); others are refused
/// without a database query.
pub fn looks_like(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == TOKEN_RANDOM_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// A bearer token that passed [`check`]: whose it is and what it may do at this moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedToken {
    token_id: i64,
    user_id: i64,
    /// The owner's role now (not when the token was made).
    role: Role,
    /// The scopes the token was given.
    scopes: Vec<Scope>,
}

impl CheckedToken {
    /// The token's id (`personal_access_tokens.id`).
    pub fn id(&self) -> i64 {
        self.token_id
    }

    /// Whether this call may use `scope`: the token has it and, for an administrators' scope,
    /// the owner is an administrator now.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) && (!scope.admin_only() || self.role == Role::Admin)
    }

    /// The owner's own-account capability, for an operation that needs `scope`.
    ///
    /// Errors: the scope, when the token lacks it.
    pub fn me(&self, scope: Scope) -> Result<Me, Scope> {
        if self.has(scope) {
            Ok(Me::new(self.user_id))
        } else {
            Err(scope)
        }
    }

    /// The owner's administrator capability, for an operation that needs `scope` (an
    /// administrators' scope, so the owner is an administrator now).
    ///
    /// Errors: the scope, when the token lacks it or the owner is no longer an administrator.
    pub fn admin(&self, scope: Scope) -> Result<Admin, Scope> {
        if scope.admin_only() && self.has(scope) {
            Ok(Admin::new(self.user_id))
        } else {
            Err(scope)
        }
    }
}

/// Why a bearer token was refused (each answers 401; the reason is for the error detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a token, unknown, or revoked.
    Invalid,
    /// Past its expiry.
    Expired,
    /// The owner's account is disabled.
    OwnerDisabled,
    /// The owner must choose a new password first (an administrator reset it).
    PasswordChangeRequired,
}

/// One stored token, as its owner may see it (never its hash). Times are Unix seconds, UTC.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at: i64,
    /// `None`: never expires.
    pub expires_at: Option<i64>,
    /// `None`: never used.
    pub last_used_at: Option<i64>,
}

/// The tokens of `user_id`, newest first.
///
/// Errors: `Internal` when the query fails.
pub async fn list(db: impl Into<Ex<'_>>, user_id: i64) -> Result<Vec<TokenRecord>, AppError> {
    query(
        "SELECT id, name, scopes, created_at, expires_at, last_used_at \
         FROM personal_access_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
    .or_internal()
}

/// How many tokens `user_id` holds (expired ones count until revoked).
///
/// Errors: `Internal` when the query fails.
pub async fn count(db: impl Into<Ex<'_>>, user_id: i64) -> Result<i64, AppError> {
    query("SELECT COUNT(*) FROM personal_access_tokens WHERE user_id = $1")
        .bind(user_id)
        .scalar(db)
        .await
        .or_internal()
}

/// Stores a new token of `user_id` by the hash of its `text`. Returns its id.
///
/// Errors: `Internal` when the write fails.
pub async fn insert(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    name: &str,
    text: &str,
    scopes: &[Scope],
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64, AppError> {
    query(
        "INSERT INTO personal_access_tokens \
         (user_id, name, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(hash(text))
    .bind(Scope::list(scopes))
    .bind(now)
    .bind(expires_at)
    .scalar(db)
    .await
    .or_internal()
}

/// Deletes every token of `user_id` (an administrator's "Sign out everywhere" and "Reset
/// password", the person's own password change when they ask). Returns how many went.
///
/// Errors: `Internal` when the write fails.
pub async fn delete_all(db: impl Into<Ex<'_>>, user_id: i64) -> Result<u64, AppError> {
    query("DELETE FROM personal_access_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .or_internal()
}

/// Deletes token `token_id` of `user_id`; from now on it authenticates nothing. Returns its
/// name, or `None` when `user_id` has no such token.
///
/// Errors: `Internal` when the write fails.
pub async fn delete(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    token_id: i64,
) -> Result<Option<String>, AppError> {
    query("DELETE FROM personal_access_tokens WHERE id = $1 AND user_id = $2 RETURNING name")
        .bind(token_id)
        .bind(user_id)
        .scalar_optional(db)
        .await
        .or_internal()
}

/// A token with what its check needs of its owner: what the check reads and the
/// authentication cache keeps.
#[derive(Clone, sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    scopes: String,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    role: Role,
    status: AccountStatus,
    must_change_password: bool,
}

/// Checks bearer token `token` at time `now` (Unix seconds) and records its use (to the
/// minute). The owner's role and status are as of now, so a demotion or a disable takes effect
/// on the very next call: read from the database, or from the authentication cache, which
/// every such change empties of the owner's entries (`server::auth_cache`).
///
/// Errors: `Err(Ok(refusal))` for a refused token; `Err(Err(Internal))` on database failures.
pub async fn check(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<CheckedToken, Result<TokenRefusal, AppError>> {
    if !looks_like(token) {
        return Err(Ok(TokenRefusal::Invalid));
    }
    let pool = state.pool();
    let cache = state.auth_cache();
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let ticket = cache.fresh(pool).await;
    let cached = ticket.and_then(|t| cache.get::<TokenRow>(t, &Key::Token(digest)));
    let from_cache = cached.is_some();
    let row = match cached {
        Some(row) => Some((*row).clone()),
        None => read(pool, &digest).await.map_err(Err)?,
    };
    let Some(mut row) = row else {
        return Err(Ok(TokenRefusal::Invalid));
    };
    if row.expires_at.is_some_and(|t| t <= now) {
        return Err(Ok(TokenRefusal::Expired));
    }
    if row.status != AccountStatus::Active {
        return Err(Ok(TokenRefusal::OwnerDisabled));
    }
    if row.must_change_password {
        return Err(Ok(TokenRefusal::PasswordChangeRequired));
    }
    let due = row
        .last_used_at
        .is_none_or(|t| now - t >= LAST_USED_RESOLUTION);
    if due {
        query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(pool)
            .await
            .or_internal()
            .map_err(Err)?;
        row.last_used_at = Some(now);
    }
    let checked = CheckedToken {
        token_id: row.id,
        user_id: row.user_id,
        role: row.role,
        scopes: Scope::parse_list(&row.scopes),
    };
    if let Some(ticket) = ticket {
        if due || !from_cache {
            let user_id = row.user_id;
            cache.put(ticket, Key::Token(digest), user_id, row);
        }
    }
    Ok(checked)
}

/// Reads the token whose SHA-256 is `digest` ([`hash`]) and its owner's role and status.
async fn read(pool: &Db, digest: &[u8; 32]) -> Result<Option<TokenRow>, AppError> {
    query(
        "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.last_used_at, u.role, u.status, \
         u.must_change_password \
         FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(digest.to_vec())
    .fetch_optional(pool)
    .await
    .or_internal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_prefix_and_enough_randomness() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with("roster_pat_"));
        assert!(looks_like(&a), "{a}");
        // 32 base62 characters: log2(62) * 32 ≈ 190 bits, above the 128 required.
        assert!((TOKEN_RANDOM_CHARS as f64) * 62f64.log2() >= 128.0);
        // Every character of the alphabet turns up over many tokens (no bias to a subset).
        let seen: std::collections::HashSet<char> = (0..200)
            .flat_map(|_| generate()[TOKEN_PREFIX.len()..].chars().collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn malformed_tokens_are_refused_by_shape() {
        let good = generate();
        assert!(!looks_like(&good[1..]));
        assert!(!looks_like(&format!("{good}x")));
        assert!(!looks_like(&good.replace("roster_pat_", "roster_pak_")));
        assert!(!looks_like(&format!("{}é", &good[..good.len() - 2])));
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            hash("abc")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_demoted_owner_loses_the_users_scopes() {
        let mut token = CheckedToken {
            token_id: 1,
            user_id: 1,
            role: Role::Admin,
            scopes: vec![Scope::ProfileRead, Scope::UsersRead],
        };
        assert!(token.has(Scope::UsersRead));
        assert!(token.admin(Scope::UsersRead).is_ok());
        token.role = Role::User;
        assert!(!token.has(Scope::UsersRead));
        assert_eq!(token.admin(Scope::UsersRead), Err(Scope::UsersRead));
        assert!(token.me(Scope::ProfileRead).is_ok());
        assert_eq!(token.me(Scope::ProfileWrite), Err(Scope::ProfileWrite));
        // A user scope never makes an administrator.
        token.role = Role::Admin;
        assert_eq!(token.admin(Scope::ProfileRead), Err(Scope::ProfileRead));
    }
}
