//! Server functions of sign-up, sign-in and sign-out, the viewer and the password hint. Each is
//! a public endpoint under `/fn/`: authorize, parse, call the service, answer.

use leptos::prelude::*;

use super::Viewer;
#[cfg(feature = "ssr")]
use super::{LoginForm, SignUpForm};
use crate::error::AppError;

/// Creates an account and signs the new person in, then sends them to `/`.
///
/// Errors: `Validation` (per field; a guessable password too, see
/// `server::password::check_strength`), `Conflict` at `email` for an email already in use,
/// `RateLimited` after too many sign-ups from one IP.
#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    email: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    use super::{caller::this_request, service, session::TypedSession};
    let account = SignUpForm {
        email,
        display_name,
        password,
    }
    .parse()
    .map_err(AppError::Validation)?;
    let r = this_request()?;
    let session = TypedSession::from_request().await?;
    service::sign_up(&r.state, &r.ctx, &session, &account, r.state.now()).await?;
    leptos_axum::redirect(crate::paths::HOME);
    Ok(())
}

/// Signs in with email and password, then sends the person to `next` if it is a local path,
/// else to `/` (to `/settings/password?required=1` when they must choose a new password).
///
/// Errors: `InvalidCredentials` for a wrong password and for an unknown email alike (same
/// message, status and work: the unknown email is checked against a dummy hash);
/// `RateLimited` after repeated failures for the account or from the IP (see
/// `server::throttle`); `AccountDisabled`.
#[server(prefix = "/fn", endpoint = "log_in")]
pub async fn log_in(
    email: String,
    password: String,
    remember: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::{caller::this_request, service, session::TypedSession};
    use crate::paths;
    let form = LoginForm {
        email,
        password,
        remember,
        next,
    };
    form.check().map_err(AppError::Validation)?;
    let r = this_request()?;
    let session = TypedSession::from_request().await?;
    let signed_in = service::sign_in(&r.state, &r.ctx, &session, &form, r.state.now()).await?;
    let target = if signed_in.must_change_password {
        paths::REQUIRED_PASSWORD_CHANGE
    } else {
        form.next
            .as_deref()
            .and_then(paths::safe_next)
            .unwrap_or(paths::HOME)
    };
    leptos_axum::redirect(target);
    Ok(())
}

/// Signs out: deletes the session on the server, then sends the person to `/`.
#[server(prefix = "/fn", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use super::{caller::this_request, service, session::TypedSession};
    let r = this_request()?;
    let session = TypedSession::from_request().await?;
    service::sign_out(&r.state, &r.ctx, &session, r.state.now()).await?;
    leptos_axum::redirect(crate::paths::HOME);
    Ok(())
}

/// Who is signed in, for the header and theme; `None` when nobody is (as the session guard
/// read it for this request: no query of its own).
#[server(prefix = "/fn", endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    let r = super::caller::this_request()?;
    Ok(r.caller.viewer().cloned())
}

/// How guessable `password` is, for the hint under a new-password field while typing: `None`
/// when it would be accepted, else why not (the same rules as sign-up and password change).
/// When signed in, the caller's email and display name count as guessable too (sign-up checks
/// its own on submit). Nothing is stored or logged.
///
/// Errors: `RateLimited` after too many hints from one client (`Limits::hints_per_minute`);
/// bad input is judged, not refused.
#[server(prefix = "/fn", endpoint = "password_hint")]
pub async fn password_hint(password: String) -> Result<Option<String>, AppError> {
    use crate::domain::Password;
    let new = match Password::parse(&password) {
        Ok(p) => p,
        Err(message) => return Ok(Some(message)),
    };
    let r = super::caller::this_request()?;
    // Public and CPU-bound: limited per client (and in how many run at once, by the check).
    if let Some(retry_after) = r.state.throttle().hint(r.ctx.client.ip) {
        return Err(AppError::RateLimited { retry_after });
    }
    let context = r
        .caller
        .profile()
        .map(|p| vec![p.email.clone(), p.display_name.clone()])
        .unwrap_or_default();
    Ok(crate::server::password::judge_strength(new, context)
        .await?
        .err())
}
