//! Server-only account logic: queries, sessions, and who the caller is.

use sqlx::SqlitePool;
use tower_sessions::{cookie::time, Expiry, Session};

use super::{NewAccount, Viewer};
use crate::{
    audit::{
        ssr::{self as audit, AuditEvent},
        AuditAction,
    },
    domain::{Role, Theme},
    error::{internal, AppError},
    server::{
        db::{is_unique_violation, now_unix},
        password::PasswordHashString,
        state::app_state,
    },
};

/// Who is signed in, as the page middleware found it for this request (`None`: nobody).
#[derive(Debug, Clone)]
pub struct CurrentViewer(pub Option<Viewer>);

/// The viewer the page middleware put on this request, if this is a page render.
pub fn current_viewer_extension() -> Option<Option<Viewer>> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentViewer>().map(|v| v.0.clone()))
}

/// Session key under which the signed-in user's id (`users.id`) is kept.
pub const USER_ID_KEY: &str = "user_id";

/// The database pool of the running app.
pub fn pool() -> Result<SqlitePool, AppError> {
    Ok(app_state()?.pool.clone())
}

/// The caller's session (from the session layer).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(internal)
}

/// The user id stored in `session`, if someone is signed in. A session store failure counts as
/// signed out (and is logged): it must never sign anybody in.
pub async fn session_user_id(session: &Session) -> Option<i64> {
    match session.get::<i64>(USER_ID_KEY).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "session store read failed");
            None
        }
    }
}

/// The signed-in caller's user id.
///
/// Errors: `Unauthorized` when nobody is signed in.
pub async fn require_user_id() -> Result<i64, AppError> {
    session_user_id(&session().await?)
        .await
        .ok_or(AppError::Unauthorized)
}

/// Starts a signed-in session for `user_id`: the session id is replaced first, so an id known
/// before sign-in is worthless afterwards (session fixation; OWASP ASVS 4.0.3 V3.2.1), and the
/// session is recorded in `user_sessions` with its idle and absolute timeouts (the longer
/// "Remember me" ones with `remember_me`), which [`super::sessions::session_guard`] enforces.
/// The browser's cookie and the store's record expire at the absolute deadline.
pub async fn sign_in(session: &Session, user_id: i64, remember_me: bool) -> Result<(), AppError> {
    use super::sessions;
    let state = app_state()?;
    let timeouts = state.config.session_timeouts(remember_me);
    let client = crate::audit::ssr::ClientInfo::current();
    let record = sessions::start(
        &state.pool,
        user_id,
        remember_me,
        timeouts,
        &client,
        state.now(),
    )
    .await?;
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID_KEY, user_id)
        .await
        .map_err(internal)?;
    session
        .insert(sessions::SESSION_RECORD_KEY, record)
        .await
        .map_err(internal)?;
    let absolute = time::Duration::seconds(timeouts.absolute.as_secs() as i64);
    session.set_expiry(Some(Expiry::AtDateTime(
        time::OffsetDateTime::now_utc().saturating_add(absolute),
    )));
    Ok(())
}

/// Ends the caller's session: its record and its store entry are deleted, so the old cookie is
/// worthless.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    use super::sessions;
    if let (Some(user_id), Some(record)) = (
        session_user_id(session).await,
        sessions::record_id(session).await,
    ) {
        let mut conn = pool()?.acquire().await.map_err(internal)?;
        sessions::end(&mut conn, user_id, sessions::Ending::One(record)).await?;
    }
    session.flush().await.map_err(internal)
}

/// A user and their profile, as every way of creating an account (sign-up, the admin console,
/// import, the command line) writes them.
pub struct NewUserRow<'a> {
    /// Lower-cased (`Email::parse`).
    pub email: &'a str,
    /// PHC string, or `password::NO_PASSWORD`.
    pub password_hash: &'a str,
    pub role: Role,
    pub must_change_password: bool,
    pub display_name: &'a str,
}

/// Inserts `row` (user and profile) through `conn`, normally a transaction that also records
/// the audit event. Returns the new id, or `None` when the email is taken (nothing written).
///
/// Errors: `Internal` on other database failures.
pub async fn insert_user(
    conn: &mut sqlx::SqliteConnection,
    row: &NewUserRow<'_>,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, password_hash, role, must_change_password, created_at, \
         updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(row.email)
    .bind(row.password_hash)
    .bind(row.role.as_str())
    .bind(row.must_change_password)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    let user_id = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    sqlx::query("INSERT INTO profiles (user_id, display_name, updated_at) VALUES (?, ?, ?)")
        .bind(user_id)
        .bind(row.display_name)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    Ok(Some(user_id))
}

/// Creates the user, their profile and the `account.created` audit event in one transaction.
///
/// Errors: `Conflict` at `email` when an account with that (lower-cased) email exists;
/// `Internal` on other database failures.
pub async fn create_account(
    pool: &SqlitePool,
    account: &NewAccount,
    password_hash: &PasswordHashString,
) -> Result<i64, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let row = NewUserRow {
        email: account.email.as_str(),
        password_hash: &password_hash.0,
        role: Role::User,
        must_change_password: false,
        display_name: account.display_name.as_str(),
    };
    let Some(user_id) = insert_user(&mut tx, &row, now_unix()).await? else {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "An account with this email already exists. Sign in instead.".into(),
        });
    };
    let event = AuditEvent::new(AuditAction::AccountCreated, Some(user_id), Some(user_id));
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok(user_id)
}

/// What sign-in needs of the account with this (already lower-cased) email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: String,
    /// `active` or `disabled`.
    pub status: String,
    pub must_change_password: bool,
}

/// The credentials of the account with this (already lower-cased) email.
pub async fn find_credentials(
    pool: &SqlitePool,
    email: &str,
) -> Result<Option<Credentials>, AppError> {
    sqlx::query_as::<_, Credentials>(
        "SELECT id, password_hash, status, must_change_password FROM users WHERE email = ?",
    )
    .bind(email)
    .fetch_optional(pool)
    .await
    .map_err(internal)
}

/// The header and theme data of user `user_id`, or `None` if the user no longer exists or is
/// disabled (a disabled account is signed out everywhere).
pub async fn load_viewer(pool: &SqlitePool, user_id: i64) -> Result<Option<Viewer>, AppError> {
    let row = sqlx::query_as::<_, ViewerRow>(&format!(
        "SELECT {VIEWER_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id \
         WHERE u.id = ?"
    ))
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    Ok(row.and_then(ViewerRow::into_viewer))
}

/// The columns of a [`ViewerRow`], from `users u` joined with `profiles p`.
pub const VIEWER_COLUMNS: &str =
    "p.display_name, p.theme, p.time_zone, u.role, u.must_change_password, u.status";

/// A row of [`VIEWER_COLUMNS`].
#[derive(Debug, sqlx::FromRow)]
pub struct ViewerRow {
    display_name: String,
    theme: String,
    time_zone: String,
    role: String,
    must_change_password: bool,
    status: String,
}

impl ViewerRow {
    /// The viewer, when the account is active (a disabled one views nothing).
    pub fn into_viewer(self) -> Option<Viewer> {
        (self.status == "active").then(|| Viewer {
            display_name: self.display_name,
            theme: Theme::parse(&self.theme).unwrap_or_default(),
            time_zone: self.time_zone,
            role: Role::parse(&self.role).unwrap_or_default(),
            must_change_password: self.must_change_password,
        })
    }
}

/// The caller's viewer data: as the session guard read it with the session record earlier in
/// this same request, or loaded now when the guard did not run (one query fewer per server
/// function that needs it). `None` when the account is gone or not active.
///
/// Errors: `Internal` when the query fails.
pub async fn caller_viewer(pool: &SqlitePool, user_id: i64) -> Result<Option<Viewer>, AppError> {
    match current_viewer_extension() {
        Some(viewer) => Ok(viewer),
        None => load_viewer(pool, user_id).await,
    }
}

/// The caller's user id when they are a signed-in administrator.
///
/// Errors: `Unauthorized` when signed out; `Forbidden` for anyone but an active admin (read
/// from the database in this request, so a demotion takes effect at once).
pub async fn require_admin() -> Result<i64, AppError> {
    let user_id = require_user_id().await?;
    match caller_viewer(&pool()?, user_id).await? {
        Some(viewer) if viewer.is_admin() => Ok(user_id),
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::Unauthorized),
    }
}
