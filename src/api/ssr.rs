//! Server-only side of personal access tokens: making, listing, revoking, and authenticating
//! a bearer token into a [`Principal`] (`shared/SECURITY.md`, API tokens; OWASP ASVS 4.0.3
//! V13.1, ASVS 5.0 V11.5).

use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::{NewToken, Scope, TokenView, MAX_TOKENS_PER_USER, TOKEN_PREFIX};
use crate::{
    audit::{
        ssr::{self as audit, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, Role},
    error::{internal, AppError},
    profiles::ssr::format_time,
};

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
pub fn generate_token() -> String {
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
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `text` has the shape of a token (prefix, length, alphabet); others are refused
/// without a database query.
pub fn looks_like_token(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == TOKEN_RANDOM_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Space-separated scope names, as stored.
fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_scopes(stored: &str) -> Vec<Scope> {
    stored.split_whitespace().filter_map(Scope::parse).collect()
}

/// Makes a token for `user_id` and records `token.created` (name, scopes, expiry; never the
/// token). Returns the token's id and its text, which is not kept anywhere.
///
/// Errors: `Validation` at `scopes` when a person who is not an administrator asks for an
/// administrators' scope; `Conflict` at `name` when they already hold
/// [`MAX_TOKENS_PER_USER`]; `NotFound` when the user is gone; `Internal` on database failures.
pub async fn create_token(
    pool: &SqlitePool,
    user_id: i64,
    token: &NewToken,
    now: i64,
) -> Result<(i64, String), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let (role, count): (String, i64) = sqlx::query_as(
        "SELECT u.role, (SELECT COUNT(*) FROM personal_access_tokens t WHERE t.user_id = u.id) \
         FROM users u WHERE u.id = ?",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    if Role::parse(&role) != Ok(Role::Admin) && token.scopes.iter().any(|s| s.admin_only()) {
        let mut errors = crate::error::FieldErrors::new();
        errors.add("scopes", "Only administrators may use the users scopes");
        return Err(AppError::Validation(errors));
    }
    if count >= MAX_TOKENS_PER_USER {
        return Err(AppError::Conflict {
            field: "name".into(),
            message: format!(
                "You already have {MAX_TOKENS_PER_USER} tokens, the most allowed. Revoke one first."
            ),
        });
    }
    let text = generate_token();
    let expires_at = token
        .expires_in_days
        .map(|days| now + i64::from(days) * 86_400);
    let scopes = scope_list(&token.scopes);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(user_id)
    .bind(&token.name)
    .bind(token_hash(&text))
    .bind(&scopes)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    let event = AuditEvent::new(AuditAction::TokenCreated, Some(user_id), Some(user_id))
        .with("token_id", id)
        .with("name", token.name.as_str())
        .with("scopes", scopes)
        .with("expires_at", expires_at);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok((id, text))
}

/// `roster token create`: a token for the user with `email`, after the same checks as the
/// form (`scopes` by name, `expires` one of the form's choices). Returns the token's text.
///
/// Errors (as a message for the terminal): no such user, a refused field, a database failure.
pub async fn create_token_from_cli(
    pool: &SqlitePool,
    email: &str,
    name: &str,
    scopes: &[String],
    expires: &str,
    now: i64,
) -> Result<String, String> {
    let mut form = super::NewTokenForm {
        name: name.into(),
        expires: expires.into(),
        ..Default::default()
    };
    for scope in scopes {
        let tick = Some("on".to_string());
        match Scope::parse(scope) {
            Some(Scope::ProfileRead) => form.profile_read = tick,
            Some(Scope::ProfileWrite) => form.profile_write = tick,
            Some(Scope::UsersRead) => form.users_read = tick,
            Some(Scope::UsersWrite) => form.users_write = tick,
            None => return Err(format!("unknown scope {scope:?}")),
        }
    }
    let token = form.parse().map_err(|e| e.to_string())?;
    let email = crate::domain::Email::parse(email).map_err(|e| format!("email: {e}"))?;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = ?")
        .bind(email.as_str())
        .fetch_optional(pool)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user with the email {email}"))?;
    create_token(pool, user_id, &token, now)
        .await
        .map(|(_, text)| text)
        .map_err(|e| match e {
            AppError::Validation(errors) => errors.to_string(),
            other => other.to_string(),
        })
}

/// The tokens of `user_id`, newest first, times in `time_zone`.
///
/// Errors: `Internal` on database failures.
pub async fn list_tokens(
    pool: &SqlitePool,
    user_id: i64,
    time_zone: &str,
    now: i64,
) -> Result<Vec<TokenView>, AppError> {
    type Row = (i64, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, scopes, created_at, expires_at, last_used_at \
         FROM personal_access_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, created_at, expires_at, last_used_at)| TokenView {
                id,
                name,
                scopes: scopes.split_whitespace().map(str::to_string).collect(),
                created: format_time(created_at, time_zone),
                expires: expires_at.map(|t| format_time(t, time_zone)),
                expired: expires_at.is_some_and(|t| t <= now),
                last_used: last_used_at.map(|t| format_time(t, time_zone)),
            },
        )
        .collect())
}

/// Revokes (deletes) token `token_id` of `user_id`; from now on it authenticates nothing.
/// Records `token.revoked`.
///
/// Errors: `NotFound` when `user_id` has no such token; `Internal` on database failures.
pub async fn revoke_token(pool: &SqlitePool, user_id: i64, token_id: i64) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let name: String = sqlx::query_scalar(
        "DELETE FROM personal_access_tokens WHERE id = ? AND user_id = ? RETURNING name",
    )
    .bind(token_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    let event = AuditEvent::new(AuditAction::TokenRevoked, Some(user_id), Some(user_id))
        .with("token_id", token_id)
        .with("name", name);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)
}

/// One user as the API reads them: account, profile and settings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiUserRecord {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub theme: String,
    pub time_zone: String,
    pub role: String,
    pub status: String,
    /// Unix seconds, UTC.
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

const API_USER_COLUMNS: &str = "u.id, u.email, p.display_name, p.bio, p.location, p.website, \
     p.theme, p.time_zone, u.role, u.status, u.created_at, u.last_login_at";

/// User `id`.
///
/// Errors: `NotFound`; `Internal` on database failures.
pub async fn load_user(pool: &SqlitePool, id: i64) -> Result<ApiUserRecord, AppError> {
    sqlx::query_as::<_, ApiUserRecord>(&format!(
        "SELECT {API_USER_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)
}

/// Up to `limit` users matching `query`'s search, role and status with an id above `after`,
/// in id order, and whether more follow. Keyset pagination: users added meanwhile get higher
/// ids, so a walk through the pages sees every user that existed when it began exactly once.
///
/// Errors: `Internal` on database failures.
pub async fn list_users_after(
    pool: &SqlitePool,
    query: &crate::admin::UserListQuery,
    after: i64,
    limit: u32,
) -> Result<(Vec<ApiUserRecord>, bool), AppError> {
    let (filter, binds) = crate::admin::ssr::list_filter(query);
    let filter = if filter.is_empty() {
        "WHERE u.id > ?".to_string()
    } else {
        format!("{filter} AND u.id > ?")
    };
    let sql = format!(
        "SELECT {API_USER_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id {filter} \
         ORDER BY u.id LIMIT ?"
    );
    let mut rows = sqlx::query_as::<_, ApiUserRecord>(&sql);
    for b in &binds {
        rows = rows.bind(b);
    }
    let mut rows = rows
        .bind(after)
        .bind(i64::from(limit) + 1)
        .fetch_all(pool)
        .await
        .map_err(internal)?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Who is calling the API: the token, its owner and what it may do at this moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub user_id: i64,
    /// The owner's role now (not when the token was made).
    pub role: Role,
    /// The scopes the token was given.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether this call may use `scope`: the token has it and, for an administrators' scope,
    /// the owner is an administrator now.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) && (!scope.admin_only() || self.role == Role::Admin)
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
}

/// Checks a bearer token at time `now` (Unix seconds) and records its use (to the minute).
///
/// Errors: `Err(Ok(refusal))` for a refused token; `Err(Err(Internal))` on database failures.
pub async fn authenticate(
    pool: &SqlitePool,
    token: &str,
    now: i64,
) -> Result<Principal, Result<TokenRefusal, AppError>> {
    if !looks_like_token(token) {
        return Err(Ok(TokenRefusal::Invalid));
    }
    type Row = (i64, i64, String, Option<i64>, Option<i64>, String, String);
    let row: Option<Row> = sqlx::query_as(
        "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.last_used_at, u.role, u.status \
         FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await
    .map_err(|e| Err(internal(e)))?;
    let Some((token_id, user_id, scopes, expires_at, last_used_at, role, status)) = row else {
        return Err(Ok(TokenRefusal::Invalid));
    };
    if expires_at.is_some_and(|t| t <= now) {
        return Err(Ok(TokenRefusal::Expired));
    }
    if AccountStatus::parse(&status) != Ok(AccountStatus::Active) {
        return Err(Ok(TokenRefusal::OwnerDisabled));
    }
    if last_used_at.is_none_or(|t| now - t >= LAST_USED_RESOLUTION) {
        sqlx::query("UPDATE personal_access_tokens SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(token_id)
            .execute(pool)
            .await
            .map_err(|e| Err(internal(e)))?;
    }
    Ok(Principal {
        token_id,
        user_id,
        role: Role::parse(&role).unwrap_or_default(),
        scopes: parse_scopes(&scopes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_prefix_and_enough_randomness() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with("roster_pat_"));
        assert!(looks_like_token(&a), "{a}");
        // 32 base62 characters: log2(62) * 32 ≈ 190 bits, above the 128 required.
        assert!((TOKEN_RANDOM_CHARS as f64) * 62f64.log2() >= 128.0);
        // Every character of the alphabet turns up over many tokens (no bias to a subset).
        let seen: std::collections::HashSet<char> = (0..200)
            .flat_map(|_| {
                generate_token()[TOKEN_PREFIX.len()..]
                    .chars()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn malformed_tokens_are_refused_by_shape() {
        let good = generate_token();
        assert!(!looks_like_token(&good[1..]));
        assert!(!looks_like_token(&format!("{good}x")));
        assert!(!looks_like_token(
            &good.replace("roster_pat_", "roster_pak_")
        ));
        assert!(!looks_like_token(&format!("{}é", &good[..good.len() - 2])));
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            token_hash("abc")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_demoted_owner_loses_the_users_scopes() {
        let mut principal = Principal {
            token_id: 1,
            user_id: 1,
            role: Role::Admin,
            scopes: vec![Scope::ProfileRead, Scope::UsersRead],
        };
        assert!(principal.has(Scope::UsersRead));
        principal.role = Role::User;
        assert!(!principal.has(Scope::UsersRead));
        assert!(principal.has(Scope::ProfileRead));
        assert!(!principal.has(Scope::ProfileWrite));
    }
}
