//! Server functions of the account's security pages. Each acts on the signed-in caller only:
//! authorize, parse, call the service, answer.

use leptos::prelude::*;

use super::SessionView;
#[cfg(feature = "ssr")]
use super::{ChangeEmailForm, ChangePasswordForm, DeleteAccountForm};
use crate::error::AppError;

/// The caller's live sessions, theirs first, then the most recently used.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "sessions")]
pub async fn get_sessions() -> Result<Vec<SessionView>, AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let tz = r.caller.time_format(&r.ctx.client);
    super::service::session_views(&r.state, &me, r.caller.record(), &tz, r.state.now()).await
}

/// Ends one of the caller's other sessions (`id` from [`get_sessions`]), then sends them to
/// `/settings/sessions?ended=1`. The browser holding it is signed out on its next request.
///
/// Errors: `Unauthorized` when signed out; `BadRequest` for the caller's own session (the
/// header's "Sign out" ends that one); `NotFound` when `id` is not a live session of theirs.
#[server(prefix = "/fn", endpoint = "end_session")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use crate::auth::sessions::Ending;
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    if Some(id) == r.caller.record() {
        return Err(AppError::BadRequest);
    }
    let now = r.state.now();
    if super::service::end_sessions(&r.state, &me, Ending::One(id), &r.ctx, now).await? == 0 {
        return Err(AppError::NotFound);
    }
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SESSIONS,
        "ended",
    ));
    Ok(())
}

/// Ends every session of the caller but this one, then sends them to
/// `/settings/sessions?ended=1`.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::auth::sessions::Ending;
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let keep = r.caller.record().ok_or(AppError::Unauthorized)?;
    let now = r.state.now();
    super::service::end_sessions(&r.state, &me, Ending::AllBut(keep), &r.ctx, now).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SESSIONS,
        "ended",
    ));
    Ok(())
}

/// Changes the caller's password after checking the current one; ends every other session of
/// theirs, revokes their personal access tokens when `revoke_tokens` is ticked (the form ticks
/// it by default), and records `password.changed` (`shared/SECURITY.md`, Passwords; ASVS 4.0.3
/// V2.1.5, V3.3.3). The one server function, with `log_out`, that a person who must choose a
/// new password may call. Then sends them to `/settings/password?saved=1` ("Password
/// changed").
///
/// Errors: `Unauthorized` when signed out; `Validation` per field (a wrong current password,
/// a new one too short, too long, or guessable); `RateLimited` after repeated wrong current
/// passwords.
#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    revoke_tokens: Option<String>,
) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me_to_change_password()?;
    let keep = r.caller.record().ok_or(AppError::Unauthorized)?;
    let form = ChangePasswordForm {
        current_password,
        new_password,
        revoke_tokens,
    };
    let new = form.parse().map_err(AppError::Validation)?;
    let name = r
        .caller
        .viewer()
        .map(|v| v.display_name.clone())
        .unwrap_or_default();
    super::service::change_password(
        &r.state,
        &me,
        &form.current_password,
        &new,
        &name,
        keep,
        form.revoke_tokens.is_some(),
        &r.ctx,
        r.state.now(),
    )
    .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_PASSWORD,
        "saved",
    ));
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
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let form = DeleteAccountForm { password };
    form.check().map_err(AppError::Validation)?;
    super::service::delete_account(&r.state, &me, &form.password, &r.ctx, r.state.now()).await?;
    crate::auth::session::TypedSession::from_request()
        .await?
        .end()
        .await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::HOME, "deleted"));
    Ok(())
}

/// Asks to change the caller's address to `new_email` after checking `current_password`: a
/// confirmation link goes to the new address, a notice to the old one, which keeps working
/// until the link is used. Then sends them to `/settings/account?email=1`. The answer is the
/// same whether or not another account has the new address.
///
/// Errors: `Unauthorized` when signed out; `Validation` per field (no address, the current
/// address, a missing or wrong password); `RateLimited` after repeated wrong passwords or too
/// many mail requests.
#[server(prefix = "/fn", endpoint = "change_email")]
pub async fn change_email(new_email: String, current_password: String) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let form = ChangeEmailForm {
        new_email,
        current_password,
    };
    let new = form.parse().map_err(AppError::Validation)?;
    super::service::change_email(
        &r.state,
        &me,
        &new,
        &form.current_password,
        &r.ctx,
        r.state.now(),
    )
    .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_ACCOUNT,
        "email",
    ));
    Ok(())
}
