//! The `users` and `profiles` tables (and the `user_search` index the triggers keep for them).
//! Times are Unix seconds, UTC. Emails are stored lower-cased (`Email::parse`).

use crate::server::db::{query, Backend, Ex, Tx};
use std::collections::HashMap;

use crate::{
    domain::{AccountStatus, Role, Theme},
    error::{AppError, OrInternal},
    server::db::is_unique_violation,
};

/// A user and their profile to insert (every way of creating an account writes one: sign-up,
/// the admin console, import, the API, the command line).
#[derive(Debug)]
pub struct NewUser<'a> {
    /// Lower-cased (`Email::parse`).
    pub email: &'a str,
    /// PHC string, or `server::password::NO_PASSWORD`.
    pub password_hash: &'a str,
    pub role: Role,
    pub must_change_password: bool,
    pub display_name: &'a str,
}

/// Inserts `user` (account and profile) through `conn`, normally a transaction that also
/// records the audit event. Returns the new id, or `None` when the email is taken (nothing
/// written).
///
/// Errors: `Internal` on other database failures.
pub async fn insert(conn: &mut Tx, user: &NewUser<'_>, now: i64) -> Result<Option<i64>, AppError> {
    let inserted = query(
        "INSERT INTO users (email, password_hash, role, must_change_password, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.must_change_password)
    .bind(now)
    .scalar::<i64>(&mut *conn)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(crate::error::internal(e)),
    };
    query("INSERT INTO profiles (user_id, display_name, updated_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(user.display_name)
        .bind(now)
        .execute(&mut *conn)
        .await
        .or_internal()?;
    Ok(Some(id))
}

/// What checking a password needs of an account.
#[derive(Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub email: String,
    /// PHC string. Deliberately no `Debug`: it never reaches a log.
    pub password_hash: String,
    pub status: AccountStatus,
    pub must_change_password: bool,
    /// When the address was confirmed (Unix seconds); `None`: not confirmed.
    pub email_verified_at: Option<i64>,
}

/// Which account [`credentials`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Account<'a> {
    Id(i64),
    /// A lower-cased email.
    Email(&'a str),
}

/// The credentials of `account`.
///
/// Errors: `Internal` when the query fails.
pub async fn credentials(
    db: impl Into<Ex<'_>>,
    account: Account<'_>,
) -> Result<Option<Credentials>, AppError> {
    let mut qb = query(
        "SELECT id, email, password_hash, status, must_change_password, email_verified_at \
         FROM users WHERE ",
    );
    match account {
        Account::Id(id) => qb.push("id = ").push_bind(id),
        Account::Email(email) => qb.push("email = ").push_bind(email),
    };
    qb.fetch_optional(db).await.or_internal()
}

/// Stores `new_hash` for user `id` only if the stored hash is still `old` (a password changed
/// meanwhile is never overwritten). Returns whether it was stored.
///
/// Errors: `Internal` when the write fails.
pub async fn replace_hash(
    db: impl Into<Ex<'_>>,
    id: i64,
    old: &str,
    new_hash: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4",
    )
    .bind(new_hash)
    .bind(now)
    .bind(id)
    .bind(old)
    .execute(db)
    .await
    .or_internal()?;
    Ok(done == 1)
}

/// Sets user `id`'s password hash, and whether they must choose a new one at their next
/// sign-in (after an administrator's reset); every open mailed link of theirs is voided with
/// it (`shared/SECURITY.md`, Login). Returns whether the user exists.
///
/// Errors: `Internal` when a write fails.
pub async fn set_password(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<bool, AppError> {
    super::links::void_all(&mut *tx, id, now).await?;
    let done = query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(hash)
    .bind(must_change)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await
    .or_internal()?;
    Ok(done == 1)
}

/// Marks user `id`'s address confirmed at `now`, if it is still `email` (the address the link
/// was sent to). Returns whether it was.
///
/// Errors: `Internal` when the write fails.
pub async fn set_email_verified(
    db: impl Into<Ex<'_>>,
    id: i64,
    email: &str,
    now: i64,
) -> Result<bool, AppError> {
    let done = query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email = $3 \
         AND email_verified_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(email)
    .execute(db)
    .await
    .or_internal()?;
    Ok(done == 1)
}

/// Makes `email` (confirmed through a link at `now`) user `id`'s sign-in address. Returns
/// `false` when another account has taken it meanwhile (nothing changed).
///
/// Errors: `Internal` on other failures.
pub async fn change_email(tx: &mut Tx, id: i64, email: &str, now: i64) -> Result<bool, AppError> {
    let changed =
        query("UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3")
            .bind(email)
            .bind(now)
            .bind(id)
            .execute(tx)
            .await;
    match changed {
        Ok(n) => Ok(n == 1),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(crate::error::internal(e)),
    }
}

/// Records a successful sign-in of user `id` at `now`.
///
/// Errors: `Internal` when the write fails.
pub async fn record_login(db: impl Into<Ex<'_>>, id: i64, now: i64) -> Result<(), AppError> {
    query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .or_internal()?;
    Ok(())
}

/// The columns of a [`ViewerRow`], from `users u` joined with `profiles p` (for queries that
/// join them to another table, such as the session check).
pub const VIEWER_COLUMNS: &str = concat!(
    "p.display_name, p.theme, p.time_zone, p.language, u.role, u.must_change_password, u.status, \
     (u.email_verified_at IS NOT NULL) AS email_verified, ",
    crate::store::factors::has_second_factor!(),
    " AS two_factor"
);

/// What every page needs of the signed-in person: the header and the theme.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ViewerRow {
    pub display_name: String,
    pub theme: Theme,
    pub time_zone: String,
    /// The "Language" setting's tag; `None`: the browser's choice.
    pub language: Option<String>,
    pub role: Role,
    pub must_change_password: bool,
    pub status: AccountStatus,
    /// The address is confirmed.
    pub email_verified: bool,
    /// The account has a second factor.
    pub two_factor: bool,
}

/// The viewer data of user `id`.
///
/// Errors: `Internal` when the query fails.
pub async fn viewer(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<ViewerRow>, AppError> {
    query(format!(
        "SELECT {VIEWER_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional::<ViewerRow>(db)
    .await
    .or_internal()
}

/// The columns of a [`ProfileRow`], from `users u` joined with `profiles p`.
pub const PROFILE_COLUMNS: &str =
    "u.email, p.display_name, p.bio, p.location, p.website, p.time_zone, u.created_at";

/// A profile as its owner sees it on `/profile`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProfileRow {
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub time_zone: String,
    pub created_at: i64,
}

/// The profile of user `id`.
///
/// Errors: `Internal` when the query fails.
pub async fn profile(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<ProfileRow>, AppError> {
    query(format!(
        "SELECT {PROFILE_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional::<ProfileRow>(db)
    .await
    .or_internal()
}

/// The fields a person edits themselves (profile and settings), as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnFields {
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub theme: Theme,
    pub time_zone: String,
    /// The "Language" setting's tag; `None`: the browser's choice.
    pub language: Option<String>,
}

impl OwnFields {
    /// `(name, value)` of each field, in the order audit events list changes (the language as
    /// its tag, empty for the browser's choice).
    pub fn named(&self) -> [(&'static str, &str); 7] {
        [
            ("display_name", &self.display_name),
            ("bio", &self.bio),
            ("location", &self.location),
            ("website", &self.website),
            ("theme", self.theme.as_str()),
            ("time_zone", &self.time_zone),
            ("language", self.language.as_deref().unwrap_or_default()),
        ]
    }
}

/// User `id`'s own fields.
///
/// Errors: `Internal` when the query fails.
pub async fn own_fields(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<OwnFields>, AppError> {
    query(
        "SELECT display_name, bio, location, website, theme, time_zone, language FROM profiles \
         WHERE user_id = $1",
    )
    .bind(id)
    .fetch_optional::<OwnFields>(db)
    .await
    .or_internal()
}

/// Stores user `id`'s own fields. Returns whether the user exists.
///
/// Errors: `Internal` when the write fails.
pub async fn save_own_fields(
    db: impl Into<Ex<'_>>,
    id: i64,
    fields: &OwnFields,
    now: i64,
) -> Result<bool, AppError> {
    let done = query(
        "UPDATE profiles SET display_name = $1, bio = $2, location = $3, website = $4, \
         theme = $5, time_zone = $6, language = $7, updated_at = $8 WHERE user_id = $9",
    )
    .bind(&fields.display_name)
    .bind(&fields.bio)
    .bind(&fields.location)
    .bind(&fields.website)
    .bind(fields.theme)
    .bind(&fields.time_zone)
    .bind(fields.language.as_deref())
    .bind(now)
    .bind(id)
    .execute(db)
    .await
    .or_internal()?;
    Ok(done == 1)
}

/// Everything stored about one user but the password hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub theme: Theme,
    pub time_zone: String,
    /// The "Language" setting's tag; `None`: the browser's choice.
    pub language: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: i64,
    /// The account's last change (email, password, role, status).
    pub updated_at: i64,
    /// The profile's last change.
    pub profile_updated_at: i64,
    pub last_login_at: Option<i64>,
    pub must_change_password: bool,
    /// When the address was confirmed (Unix seconds); `None`: not confirmed.
    pub email_verified_at: Option<i64>,
}

impl UserRecord {
    /// The fields the person edits themselves.
    pub fn own_fields(&self) -> OwnFields {
        OwnFields {
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            location: self.location.clone(),
            website: self.website.clone(),
            theme: self.theme,
            time_zone: self.time_zone.clone(),
            language: self.language.clone(),
        }
    }

    /// An active administrator.
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && self.status == AccountStatus::Active
    }
}

pub(super) const RECORD_COLUMNS: &str =
    "u.id, u.email, p.display_name, p.bio, p.location, p.website, \
     p.theme, p.time_zone, p.language, u.role, u.status, u.created_at, u.updated_at, \
     p.updated_at AS profile_updated_at, u.last_login_at, u.must_change_password, \
     u.email_verified_at";

/// User `id`.
///
/// Errors: `Internal` when the query fails.
pub async fn record(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<UserRecord>, AppError> {
    query(format!(
        "SELECT {RECORD_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional::<UserRecord>(db)
    .await
    .or_internal()
}

/// Sets user `id`'s role and status.
///
/// Errors: `Internal` when the write fails.
pub async fn set_role_and_status(
    db: impl Into<Ex<'_>>,
    id: i64,
    role: Role,
    status: AccountStatus,
    now: i64,
) -> Result<(), AppError> {
    query("UPDATE users SET role = $1, status = $2, updated_at = $3 WHERE id = $4")
        .bind(role)
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .or_internal()?;
    Ok(())
}

/// Locks the rows of user `id` (if `lock` is `Some`) and of every active administrator until
/// `tx` ends, so a rule that reads them before it writes (the last active administrator, the
/// token cap, a sign-in read again) sees what concurrent transactions committed and they wait
/// for it. PostgreSQL: `SELECT ... FOR UPDATE` (its `READ COMMITTED` re-reads a row another
/// transaction changed once that one commits). SQLite: nothing to do, `begin_write`'s
/// `BEGIN IMMEDIATE` already lets one writer in at a time.
///
/// Errors: `Internal` when the query fails.
pub async fn lock(tx: &mut Tx, user: Option<i64>, admins: bool) -> Result<(), AppError> {
    if tx.backend() == Backend::Sqlite {
        return Ok(());
    }
    if let Some(id) = user {
        query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .scalars::<i64>(&mut *tx)
            .await
            .or_internal()?;
    }
    if admins {
        query("SELECT id FROM users WHERE role = 'admin' AND status = 'active' ORDER BY id FOR UPDATE")
            .scalars::<i64>(&mut *tx)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// How many active administrators there are besides user `id` (in a transaction that took
/// [`lock`] with `admins`, when it is to decide a change).
///
/// Errors: `Internal` when the query fails.
pub async fn other_active_admins(db: impl Into<Ex<'_>>, id: i64) -> Result<i64, AppError> {
    query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> $1")
        .bind(id)
        .scalar(db)
        .await
        .or_internal()
}

/// Deletes user `id`; the profile, sessions and tokens go with it (`ON DELETE CASCADE`).
/// Returns whether there was such a user.
///
/// Errors: `Internal` when the write fails.
pub async fn delete(db: impl Into<Ex<'_>>, id: i64) -> Result<bool, AppError> {
    let done = query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .or_internal()?;
    Ok(done == 1)
}

/// The id of the account with this (lower-cased) email.
///
/// Errors: `Internal` when the query fails.
pub async fn id_by_email(db: impl Into<Ex<'_>>, email: &str) -> Result<Option<i64>, AppError> {
    query("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .scalar_optional(db)
        .await
        .or_internal()
}

/// User `id`'s "Language" setting (its stored tag); `None` when unset or there is no such user.
///
/// Errors: `Internal` when the query fails.
pub async fn language(db: impl Into<Ex<'_>>, id: i64) -> Result<Option<String>, AppError> {
    let tag: Option<Option<String>> = query("SELECT language FROM profiles WHERE user_id = $1")
        .bind(id)
        .scalar_optional(db)
        .await
        .or_internal()?;
    Ok(tag.flatten())
}

/// The emails of the users among `ids` that still exist.
///
/// Errors: `Internal` when the query fails.
pub async fn emails(db: impl Into<Ex<'_>>, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = query("SELECT id, email FROM users WHERE id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<(i64, String)> = qb.fetch_all(db).await.or_internal()?;
    Ok(rows.into_iter().collect())
}
