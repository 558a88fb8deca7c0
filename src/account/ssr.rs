//! Server-only queries of the account's security pages. Every one is keyed by the signed-in
//! caller's own user id, from the session, never from the request.

use serde_json::{json, Value};
use sqlx::SqlitePool;

use super::{SessionView, WRONG_PASSWORD};
use crate::{
    audit::{
        ssr::{self as audit, AuditEvent},
        AuditAction,
    },
    auth::sessions::{self, Ending},
    error::{internal, AppError, FieldErrors},
    profiles::ssr::format_time,
    server::{password, password::PasswordHashString, AppState},
};

/// Checks `candidate` against the stored password of `user_id`, throttled like a login for that
/// account (so this form cannot be used to guess it faster; `shared/SECURITY.md`, Login).
/// Returns the account's email.
///
/// Errors: `Validation` at `field` with [`WRONG_PASSWORD`]; `RateLimited` after repeated
/// failures; `NotFound` when the user no longer exists.
pub async fn verify_own_password(
    state: &AppState,
    user_id: i64,
    candidate: &str,
    field: &str,
) -> Result<String, AppError> {
    let (email, stored) = sqlx::query_as::<_, (String, String)>(
        "SELECT email, password_hash FROM users WHERE id = ?",
    )
    .bind(user_id)
    .fetch_optional(&state.pool)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    let ip = audit::ClientInfo::current().ip_addr();
    if let Some(retry_after) = state.throttle.login_wait(&email, ip, state.now()) {
        return Err(AppError::RateLimited { retry_after });
    }
    if !password::verify(candidate, Some(&stored)).await? {
        state.throttle.login_failed(&email, ip, state.now());
        let mut errors = FieldErrors::new();
        errors.add(field, WRONG_PASSWORD);
        return Err(AppError::Validation(errors));
    }
    state.throttle.login_succeeded(&email);
    Ok(email)
}

/// Stores `new_hash` for `user_id`, ends every other session of theirs (all but `keep`, the
/// caller's), and records `password.changed`, all in one transaction. Returns how many
/// sessions ended.
///
/// Errors: `Internal` when the database write fails.
pub async fn change_password(
    pool: &SqlitePool,
    user_id: i64,
    keep: i64,
    new_hash: &PasswordHashString,
    now: i64,
) -> Result<u64, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    sqlx::query(
        "UPDATE users SET password_hash = ?, updated_at = ?, must_change_password = 0 \
         WHERE id = ?",
    )
    .bind(&new_hash.0)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let ended = sessions::end(&mut tx, user_id, Ending::AllBut(keep)).await?;
    let event = AuditEvent::new(AuditAction::PasswordChanged, Some(user_id), Some(user_id))
        .with("other_sessions_ended", ended);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok(ended)
}

/// Ends sessions of `user_id` (one, or all but the caller's) and records `session.ended`.
/// Returns how many ended (0 when `which` names no session of theirs).
///
/// Errors: `Internal` when the database write fails.
pub async fn end_sessions(pool: &SqlitePool, user_id: i64, which: Ending) -> Result<u64, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let ended = sessions::end(&mut tx, user_id, which).await?;
    if ended > 0 {
        let scope = match which {
            Ending::One(_) => "one",
            Ending::AllBut(_) => "all_others",
            Ending::All => "all",
        };
        let event = AuditEvent::new(AuditAction::SessionEnded, Some(user_id), Some(user_id))
            .with("sessions", scope)
            .with("count", ended);
        audit::record(&mut *tx, &event).await?;
    }
    tx.commit().await.map_err(internal)?;
    Ok(ended)
}

/// Deletes the account of `user_id`: every session (with its store entry), the profile and
/// the user row go; `account.deleted` is recorded (the audit trail keeps the user's id, not
/// their data). One transaction.
///
/// Errors: `Internal` when the database write fails.
pub async fn delete_account(pool: &SqlitePool, user_id: i64) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    sessions::end(&mut tx, user_id, Ending::All).await?;
    // profiles and user_sessions go with the user (ON DELETE CASCADE).
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    let event = AuditEvent::new(AuditAction::AccountDeleted, Some(user_id), Some(user_id));
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok(())
}

/// The caller's live sessions for `/settings/sessions`, times in `time_zone`; `current` is the
/// caller's own session record.
///
/// Errors: `Internal` when the query fails.
pub async fn session_views(
    pool: &SqlitePool,
    user_id: i64,
    current: Option<i64>,
    time_zone: &str,
    now: i64,
) -> Result<Vec<SessionView>, AppError> {
    let mut views: Vec<SessionView> = sessions::list(pool, user_id, now)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            this_device: Some(s.id) == current,
            signed_in: format_time(s.created_at, time_zone),
            last_seen: format_time(s.last_seen_at, time_zone),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            user_agent: s.user_agent.unwrap_or_else(|| "unknown".into()),
            remember_me: s.remember_me,
        })
        .collect();
    // This device first, then the most recently used.
    views.sort_by_key(|v| !v.this_device);
    Ok(views)
}

/// Everything stored about `user_id`, as one JSON document (GDPR art. 15 and 20; ASVS 4.0.3
/// V8.3.2): the account (without the password hash), the profile and settings, the sessions,
/// and the audit events about them. Times are Unix seconds, UTC.
///
/// Errors: `NotFound` when the user no longer exists; `Internal` when a query fails.
pub async fn export(pool: &SqlitePool, user_id: i64) -> Result<Value, AppError> {
    let (email, created_at, updated_at) = sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT email, created_at, updated_at FROM users WHERE id = ?",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    let profile = sqlx::query_as::<_, (String, String, String, String, String, String, i64)>(
        "SELECT display_name, bio, location, website, theme, time_zone, updated_at \
         FROM profiles WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .map(
        |(display_name, bio, location, website, theme, time_zone, updated_at)| {
            json!({
                "display_name": display_name, "bio": bio, "location": location,
                "website": website, "theme": theme, "time_zone": time_zone,
                "updated_at": updated_at,
            })
        },
    );
    let sessions = sqlx::query_as::<_, sessions::SessionRecord>(
        "SELECT id, created_at, last_seen_at, ip, user_agent, remember_me FROM user_sessions \
         WHERE user_id = ? ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(internal)?;
    let events = sqlx::query_as::<
        _,
        (
            i64,
            Option<i64>,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
            String,
        ),
    >(
        "SELECT occurred_at, actor_user_id, action, target_user_id, ip, user_agent, details \
         FROM audit_events WHERE actor_user_id = ?1 OR target_user_id = ?1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(internal)?
    .into_iter()
    .map(|(at, actor, action, target, ip, user_agent, details)| {
        json!({
            "occurred_at": at, "actor_user_id": actor, "action": action,
            "target_user_id": target, "ip": ip, "user_agent": user_agent,
            "details": serde_json::from_str::<Value>(&details).unwrap_or(Value::Null),
        })
    })
    .collect::<Vec<_>>();
    // Personal access tokens without their hashes (a hash is not the person's data and would
    // only help someone guess the token).
    type TokenRow = (i64, String, String, i64, Option<i64>, Option<i64>);
    let tokens = sqlx::query_as::<_, TokenRow>(
        "SELECT id, name, scopes, created_at, expires_at, last_used_at \
         FROM personal_access_tokens WHERE user_id = ? ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(internal)?
    .into_iter()
    .map(|(id, name, scopes, created_at, expires_at, last_used_at)| {
        json!({
            "id": id, "name": name, "scopes": scopes.split_whitespace().collect::<Vec<_>>(),
            "created_at": created_at, "expires_at": expires_at, "last_used_at": last_used_at,
        })
    })
    .collect::<Vec<_>>();
    Ok(json!({
        "format": "roster-export/1",
        "account": { "id": user_id, "email": email, "created_at": created_at, "updated_at": updated_at },
        "profile": profile,
        "sessions": sessions,
        "personal_access_tokens": tokens,
        "audit_events": events,
    }))
}

/// `GET /settings/account/export`: the caller's data ([`export`]) as a JSON download,
/// `roster-export.json`. Anonymous callers are sent to sign in (the page middleware does that
/// before this runs).
pub async fn export_download(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: tower_sessions::Session,
) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    let Some(user_id) = crate::auth::ssr::session_user_id(&session).await else {
        return axum::response::Redirect::to(&crate::auth::login_url("/settings/account"))
            .into_response();
    };
    let body = export(&state.pool, user_id)
        .await
        .and_then(|data| serde_json::to_string_pretty(&data).map_err(internal));
    match body {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"roster-export.json\"",
                ),
            ],
            body,
        )
            .into_response(),
        Err(err) => {
            let status = axum::http::StatusCode::from_u16(err.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, err.to_string()).into_response()
        }
    }
}
