//! Session records: one `user_sessions` row per signed-in session (`shared/SECURITY.md`,
//! Sessions; OWASP ASVS 4.0.3 V3.3). The browser's tower-sessions record holds the row's id
//! under [`SESSION_RECORD_KEY`]; [`session_guard`] checks the row on every request, so a session
//! ends on the server the moment its row is deleted (sign-out elsewhere, password change,
//! account deletion) or its idle or absolute deadline passes, by the configured clock.

use crate::server::{
    auth_cache::{Key, Ticket},
    db::{query, Backend, Db, Ex, Tx},
};
use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::{caller::Caller, session::TypedSession, Viewer};
use crate::{
    error::{AppError, OrInternal},
    paths,
    request::{Client, RequestContext},
    server::{config::SessionTimeouts, db::begin_write, middleware::is_under, AppState},
    store::users::{ProfileRow, ViewerRow, PROFILE_COLUMNS, VIEWER_COLUMNS},
};

/// `last_seen_at` is written at most this often, in seconds, so a busy session does not write
/// on every request. Idle deadlines are therefore counted from up to this much earlier.
pub const LAST_SEEN_RESOLUTION: i64 = 60;

/// One session as its owner sees it in `/settings/sessions`. Times are Unix seconds, UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub remember_me: bool,
}

/// Records a new session of `user_id` started at `now` by `client`, with the given timeouts,
/// and returns its id.
///
/// Errors: `Internal` when the database write fails.
pub async fn start(
    db: impl Into<Ex<'_>>,
    user_id: i64,
    remember_me: bool,
    timeouts: SessionTimeouts,
    client: &Client,
    now: i64,
) -> Result<i64, AppError> {
    query(
        "INSERT INTO user_sessions \
         (user_id, remember_me, created_at, last_seen_at, idle_timeout, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user_id)
    .bind(remember_me)
    .bind(now)
    .bind(now)
    .bind(timeouts.idle.as_secs() as i64)
    .bind(now.saturating_add(timeouts.absolute.as_secs() as i64))
    .bind(client.ip_text())
    .bind(client.user_agent.as_deref())
    .scalar(db)
    .await
    .or_internal()
}

/// The sessions of `user_id` that have not ended, most recently used first.
///
/// Errors: `Internal` when the query fails.
pub async fn list(pool: &Db, user_id: i64, now: i64) -> Result<Vec<SessionRecord>, AppError> {
    query(
        "SELECT id, created_at, last_seen_at, ip, user_agent, remember_me FROM user_sessions \
         WHERE user_id = $1 AND last_seen_at + idle_timeout > $2 AND expires_at > $3 \
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .bind(now)
    .bind(now)
    .fetch_all::<SessionRecord>(pool)
    .await
    .or_internal()
}

/// When session record `record` was opened: the moment its person signed in (password and
/// second factor done), in Unix seconds; `None` when there is no such record. OpenID Connect's
/// `auth_time` (OIDC Core 1.0 §2) and `max_age` are measured from it.
///
/// Errors: `Internal` when the query fails.
pub async fn signed_in_at(pool: &Db, record: i64) -> Result<Option<i64>, AppError> {
    query("SELECT created_at FROM user_sessions WHERE id = $1")
        .bind(record)
        .scalar_optional(pool)
        .await
        .or_internal()
}

/// Every session record of `user_id`, ended or not, oldest first (their data export).
///
/// Errors: `Internal` when the query fails.
pub async fn all_of(pool: &Db, user_id: i64) -> Result<Vec<SessionRecord>, AppError> {
    query(
        "SELECT id, created_at, last_seen_at, ip, user_agent, remember_me FROM user_sessions \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all::<SessionRecord>(pool)
    .await
    .or_internal()
}

/// How many sessions of anyone have not ended at `now` (for `/metrics`).
///
/// Errors: `Internal` when the query fails.
pub async fn count_active(pool: &Db, now: i64) -> Result<i64, AppError> {
    query(
        "SELECT COUNT(*) FROM user_sessions WHERE last_seen_at + idle_timeout > $1 AND expires_at > $2",
    )
    .bind(now)
    .bind(now)
    .scalar(pool)
    .await
    .or_internal()
}

/// Which sessions of a user [`end`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Only this one (if it is the user's).
    One(i64),
    /// All but this one (the caller's own).
    AllBut(i64),
    /// Every one.
    All,
}

/// Ends sessions of `user_id`: deletes their rows and their tower-sessions records, so each
/// browser holding one is signed out on its next request. Runs on `conn`, so a caller can make
/// it part of a bigger change. Returns how many sessions ended.
///
/// Errors: `Internal` when the database write fails.
pub async fn end(conn: &mut Tx, user_id: i64, which: Ending) -> Result<u64, AppError> {
    let (filter, id) = match which {
        Ending::One(id) => ("user_id = $1 AND id = $2", Some(id)),
        Ending::AllBut(id) => ("user_id = $1 AND id <> $2", Some(id)),
        Ending::All => ("user_id = $1", None),
    };
    let stores = format!(
        "DELETE FROM tower_sessions WHERE id IN \
         (SELECT store_id FROM user_sessions WHERE store_id IS NOT NULL AND {filter})"
    );
    let rows = format!("DELETE FROM user_sessions WHERE {filter}");
    let mut q = query(&stores).bind(user_id);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.execute(&mut *conn).await.or_internal()?;
    let mut q = query(&rows).bind(user_id);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.execute(&mut *conn).await.or_internal()
}

/// The PostgreSQL advisory lock ([`purge_expired`] takes it with `pg_try_advisory_xact_lock`)
/// that lets one node at a time purge.
pub const PURGE_LOCK: i64 = 0x526f_7374_6572_0001;

/// Deletes every session past its idle or absolute deadline at `now`, with its tower-sessions
/// record. Returns how many ended, or `None` when another node is purging right now (on
/// PostgreSQL the purge is a singleton job: it runs under [`PURGE_LOCK`], and a node that
/// cannot take it at once skips this round).
///
/// Errors: `Internal` when the database write fails.
pub async fn purge_expired(pool: &Db, now: i64) -> Result<Option<u64>, AppError> {
    const EXPIRED: &str = "last_seen_at + idle_timeout <= $1 OR expires_at <= $1";
    let mut tx = begin_write(pool).await?;
    if tx.backend() == Backend::Postgres {
        let mine: bool = query("SELECT pg_try_advisory_xact_lock($1)")
            .bind(PURGE_LOCK)
            .scalar(&mut tx)
            .await
            .or_internal()?;
        if !mine {
            return Ok(None);
        }
    }
    query(format!(
        "DELETE FROM tower_sessions WHERE id IN \
         (SELECT store_id FROM user_sessions WHERE store_id IS NOT NULL AND ({EXPIRED}))"
    ))
    .bind(now)
    .execute(&mut tx)
    .await
    .or_internal()?;
    let ended = query(format!("DELETE FROM user_sessions WHERE {EXPIRED}"))
        .bind(now)
        .execute(&mut tx)
        .await
        .or_internal()?;
    tx.commit().await.or_internal()?;
    Ok(Some(ended))
}

/// What [`check`] found.
enum Verdict {
    /// Live; `touch` when its last-seen time (or store id) should be written. `row` holds the
    /// owner's viewer data and profile.
    /// `ticket` is the cache's leave to store `row`, taken before it was read.
    Live {
        touch: bool,
        row: Box<RecordRow>,
        ticket: Option<Ticket>,
    },
    /// Gone (ended elsewhere) or past a deadline.
    Ended,
}

/// A session record with its owner's viewer data and profile: what the check reads and the
/// authentication cache keeps.
#[derive(Clone, sqlx::FromRow)]
struct RecordRow {
    user_id: i64,
    store_id: Option<String>,
    last_seen_at: i64,
    idle_timeout: i64,
    expires_at: i64,
    #[sqlx(flatten)]
    viewer: ViewerRow,
    #[sqlx(flatten)]
    profile: ProfileRow,
}

impl RecordRow {
    /// Whether the record belongs to `user_id` and is within both deadlines at `now`.
    fn live(&self, user_id: i64, now: i64) -> bool {
        self.user_id == user_id
            && now < self.last_seen_at.saturating_add(self.idle_timeout)
            && now < self.expires_at
    }

    /// Whether its last-seen time (or store id) should be written at `now`.
    fn due(&self, store_id: Option<&str>, now: i64) -> bool {
        now - self.last_seen_at >= LAST_SEEN_RESOLUTION || self.store_id.as_deref() != store_id
    }
}

/// Checks session record `record` and reads its owner's viewer data and profile in the same
/// query (one indexed lookup per request for all three), or takes them from the
/// authentication cache when it holds a live record that needs no write.
async fn check(
    state: &AppState,
    record: i64,
    user_id: i64,
    store_id: Option<&str>,
    now: i64,
) -> Result<Verdict, sqlx::Error> {
    let cache = state.auth_cache();
    let ticket = cache.fresh(state.pool()).await;
    if let Some(ticket) = ticket {
        if let Some(row) = cache.get::<RecordRow>(ticket, &Key::Session(record)) {
            if row.live(user_id, now) && !row.due(store_id, now) {
                return Ok(Verdict::Live {
                    touch: false,
                    row: Box::new((*row).clone()),
                    ticket: None,
                });
            }
        }
    }
    // Built once: this runs on every signed-in request the cache cannot answer.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT s.user_id, s.store_id, s.last_seen_at, s.idle_timeout, s.expires_at, \
             {VIEWER_COLUMNS}, {PROFILE_COLUMNS} FROM user_sessions s \
             JOIN users u ON u.id = s.user_id JOIN profiles p ON p.user_id = u.id WHERE s.id = $1"
        )
    });
    let row = query(SQL.as_str())
        .bind(record)
        .fetch_optional::<RecordRow>(state.pool())
        .await?;
    Ok(match row {
        Some(row) if row.live(user_id, now) => Verdict::Live {
            touch: row.due(store_id, now),
            row: Box::new(row),
            ticket,
        },
        Some(_) => {
            // Past a deadline: the purge would delete it soon anyway.
            query("DELETE FROM user_sessions WHERE id = $1")
                .bind(record)
                .execute(state.pool())
                .await?;
            Verdict::Ended
        }
        None => Verdict::Ended,
    })
}

/// Middleware (inside the session layer) that signs out, before anything else sees the request,
/// every session whose record is gone or past its idle or absolute deadline: its tower-sessions
/// record is deleted and the cookie removed, so the request proceeds anonymously. A live
/// session gets its last-seen time, IP and user agent updated (at most once a minute). Every
/// request it passes on carries the [`Caller`] it found. Static files under `/pkg/` pass
/// unchecked: they are the same for everyone.
///
/// A database failure here lets nobody through signed in: the answer is a plain 500 with the
/// request id (the log has the cause), and the session is left for the next request.
pub async fn session_guard(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    if is_under(req.uri().path(), paths::PKG_PREFIX) {
        return next.run(req).await;
    }
    let session = TypedSession::new(session);
    let (mut parts, body) = req.into_parts();
    let mut caller = Caller::Anonymous;
    if let Some(user_id) = session.user_id().await {
        let now = state.now();
        let store_id = session.store_id();
        let verdict = match session.record_id().await {
            Some(record) => check(&state, record, user_id, store_id.as_deref(), now)
                .await
                .map(|v| (record, v)),
            None => Ok((0, Verdict::Ended)),
        };
        match verdict {
            Ok((
                record,
                Verdict::Live {
                    touch,
                    mut row,
                    ticket,
                },
            )) => {
                // What is cached needs no write: a touched record is cached once written.
                let mut cacheable = !touch;
                if touch {
                    let client = parts
                        .extensions
                        .get::<RequestContext>()
                        .map(|ctx| ctx.client.clone())
                        .unwrap_or_default();
                    let updated = query(
                        "UPDATE user_sessions SET last_seen_at = $1, store_id = $2, ip = $3, \
                         user_agent = $4 WHERE id = $5",
                    )
                    .bind(now)
                    .bind(store_id.as_deref())
                    .bind(client.ip_text())
                    .bind(client.user_agent.as_deref())
                    .bind(record)
                    .execute(state.pool())
                    .await;
                    match updated {
                        Ok(_) => {
                            row.last_seen_at = now;
                            row.store_id = store_id.clone();
                            cacheable = true;
                        }
                        Err(e) => tracing::error!(error = %e, "session record update failed"),
                    }
                }
                if let (Some(ticket), true) = (ticket, cacheable) {
                    let cached = (*row).clone();
                    state
                        .auth_cache()
                        .put(ticket, Key::Session(record), user_id, cached);
                }
                let RecordRow {
                    viewer, profile, ..
                } = *row;
                let viewer = Viewer::from_row(viewer);
                let profile = Box::new(profile);
                let require = state.config().require_2fa_for_admins;
                let viewer = viewer.map(|mut v| {
                    v.second_factor_required = require && v.is_admin() && !v.two_factor;
                    v
                });
                caller = Caller::Session {
                    user_id,
                    record,
                    viewer,
                    profile,
                };
            }
            Ok((_, Verdict::Ended)) => {
                tracing::info!(user_id, "session ended or expired; signed out");
                if let Err(e) = session.end().await {
                    tracing::error!(error = %e, "session flush failed");
                }
            }
            Err(e) => {
                // Neither let the request through as signed in nor sign the person out for good.
                let err = crate::error::internal(format!("session record check failed: {e}"));
                return (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response();
            }
        }
    }
    let personal = matches!(caller, Caller::Session { .. });
    parts.extensions.insert(caller);
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if personal {
        // Rendered for someone: never a page for the anonymous cache.
        res.extensions_mut()
            .insert(crate::server::page_cache::Personal);
    }
    res
}
