//! Server functions of the account's security pages. Each acts on the signed-in caller only.

use leptos::prelude::*;

use super::SessionView;
#[cfg(feature = "ssr")]
use super::{ChangePasswordForm, DeleteAccountForm};
use crate::error::AppError;

/// The caller's user id and session record id.
///
/// Errors: `Unauthorized` when signed out.
#[cfg(feature = "ssr")]
async fn caller() -> Result<(i64, i64), AppError> {
    use crate::auth::{sessions, ssr};
    let session = ssr::session().await?;
    let user_id = ssr::session_user_id(&session)
        .await
        .ok_or(AppError::Unauthorized)?;
    let record = sessions::record_id(&session)
        .await
        .ok_or(AppError::Unauthorized)?;
    Ok((user_id, record))
}

/// The caller's live sessions, theirs first, then the most recently used.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "sessions")]
pub async fn get_sessions() -> Result<Vec<SessionView>, AppError> {
    let (user_id, record) = caller().await?;
    let state = crate::server::state::app_state()?;
    let viewer = crate::auth::ssr::caller_viewer(&state.pool, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    super::ssr::session_views(
        &state.pool,
        user_id,
        Some(record),
        &viewer.time_zone,
        state.now(),
    )
    .await
}

/// Ends one of the caller's other sessions (`id` from [`get_sessions`]), then sends them to
/// `/settings/sessions?ended=1`. The browser holding it is signed out on its next request.
///
/// Errors: `Unauthorized` when signed out; `BadRequest` for the caller's own session (the
/// header's "Sign out" ends that one); `NotFound` when `id` is not a live session of theirs.
#[server(prefix = "/fn", endpoint = "end_session")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use crate::auth::sessions::Ending;
    let (user_id, record) = caller().await?;
    if id == record {
        return Err(AppError::BadRequest);
    }
    let pool = crate::auth::ssr::pool()?;
    if super::ssr::end_sessions(&pool, user_id, Ending::One(id)).await? == 0 {
        return Err(AppError::NotFound);
    }
    leptos_axum::redirect("/settings/sessions?ended=1");
    Ok(())
}

/// Ends every session of the caller but this one, then sends them to
/// `/settings/sessions?ended=1`.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::auth::sessions::Ending;
    let (user_id, record) = caller().await?;
    let pool = crate::auth::ssr::pool()?;
    super::ssr::end_sessions(&pool, user_id, Ending::AllBut(record)).await?;
    leptos_axum::redirect("/settings/sessions?ended=1");
    Ok(())
}

/// Changes the caller's password after checking the current one; ends every other session of
/// theirs and records `password.changed` (`shared/SECURITY.md`, Passwords; ASVS 4.0.3 V2.1.5,
/// V3.3.3). Then sends them to `/settings/password?saved=1` ("Password changed").
///
/// Errors: `Unauthorized` when signed out; `Validation` per field (a wrong current password,
/// a new one too short, too long, or guessable); `RateLimited` after repeated wrong current
/// passwords.
#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use crate::server::password;
    let (user_id, record) = caller().await?;
    let form = ChangePasswordForm {
        current_password,
        new_password,
    };
    let new = form.parse().map_err(AppError::Validation)?;
    let state = crate::server::state::app_state()?;
    let email = super::ssr::verify_own_password(
        &state,
        user_id,
        &form.current_password,
        "current_password",
    )
    .await?;
    let name = crate::auth::ssr::caller_viewer(&state.pool, user_id)
        .await?
        .map(|v| v.display_name)
        .unwrap_or_default();
    password::refuse_guessable(&new, "new_password", &email, &name).await?;
    let hash = password::hash(&new).await?;
    let ended =
        super::ssr::change_password(&state.pool, user_id, record, &hash, state.now()).await?;
    tracing::info!(user_id, other_sessions_ended = ended, "password changed");
    leptos_axum::redirect("/settings/password?saved=1");
    Ok(())
}

/// Deletes the caller's account after checking their password: all their sessions end, their
/// profile and account are removed, `account.deleted` is recorded. Then sends them to
/// `/?deleted=1`.
///
/// Errors: `Unauthorized` when signed out; `Validation` at `password` when it is missing or
/// wrong; `RateLimited` after repeated wrong passwords.
#[server(prefix = "/fn", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    let (user_id, _) = caller().await?;
    let form = DeleteAccountForm { password };
    form.check().map_err(AppError::Validation)?;
    let state = crate::server::state::app_state()?;
    super::ssr::verify_own_password(&state, user_id, &form.password, "password").await?;
    super::ssr::delete_account(&state.pool, user_id).await?;
    crate::auth::ssr::session()
        .await?
        .flush()
        .await
        .map_err(crate::error::internal)?;
    tracing::info!(user_id, "account deleted");
    leptos_axum::redirect("/?deleted=1");
    Ok(())
}

/// How guessable `password` is, for the hint under a new-password field while typing: `None`
/// when it would be accepted, else why not (the same rules as sign-up and password change).
/// When signed in, the caller's email and display name count as guessable too (sign-up checks
/// its own on submit). Nothing is stored or logged.
///
/// Errors: none of its own (bad input is judged, not refused).
#[server(prefix = "/fn", endpoint = "password_hint")]
pub async fn password_hint(password: String) -> Result<Option<String>, AppError> {
    use crate::{auth::ssr, domain::Password};
    let new = match Password::parse(&password) {
        Ok(p) => p,
        Err(message) => return Ok(Some(message)),
    };
    let mut context = Vec::new();
    let session = ssr::session().await?;
    if let Some(user_id) = ssr::session_user_id(&session).await {
        let pool = ssr::pool()?;
        if let Some((email, name)) = sqlx::query_as::<_, (String, String)>(
            "SELECT u.email, p.display_name FROM users u JOIN profiles p ON p.user_id = u.id \
             WHERE u.id = ?",
        )
        .bind(user_id)
        .fetch_optional(&pool)
        .await
        .map_err(crate::error::internal)?
        {
            context = vec![email, name];
        }
    }
    Ok(crate::server::password::judge_strength(new, context)
        .await?
        .err())
}
