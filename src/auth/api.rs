//! Server functions of sign-up, sign-in and sign-out, the viewer and the password hint. Each is
//! a public endpoint under `/fn/`: authorize, parse, call the service, answer.

use leptos::prelude::*;

use super::Viewer;
#[cfg(feature = "ssr")]
use super::{LoginForm, SignUpForm};
use crate::{domain::Refusal, error::AppError};

/// Creates an account and signs the new person in, then sends them to `/`; where addresses
/// must be confirmed first (`ROSTER_EMAIL_VERIFICATION=required`), sends them to
/// `/signup?check=1` ("Check your inbox") instead, for a registered address too.
///
/// Errors: `Validation` (per field; a guessable password too, see
/// `server::password::check_strength`), `Conflict` at `email` for an email already in use
/// (`optional` mode), `RateLimited` after too many sign-ups from one IP.
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
    match service::sign_up(&r.state, &r.ctx, &session, &account, r.state.now()).await? {
        service::SignedUp::SignedIn(_) => leptos_axum::redirect(crate::paths::HOME),
        service::SignedUp::CheckInbox => {
            leptos_axum::redirect(&crate::paths::flagged(crate::paths::SIGN_UP, "check"))
        }
    }
    Ok(())
}

/// Signs in with email and password, then sends the person to `next` if it is a local path,
/// else to `/` (to `/settings/password?required=1` when they must choose a new password; to
/// `/login/verify` when the account has a second factor, which then asks for it).
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
    let signed_in = match service::sign_in(&r.state, &r.ctx, &session, &form, r.state.now()).await?
    {
        service::SignInStep::Done(signed_in) => signed_in,
        service::SignInStep::SecondFactor => {
            leptos_axum::redirect(paths::LOGIN_VERIFY);
            return Ok(());
        }
    };
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
/// when it would be accepted, else why not, as a `Refusal` the page words in its language (the
/// same rules as sign-up and password change).
/// When signed in, the caller's email and display name count as guessable too (sign-up checks
/// its own on submit). Nothing is stored or logged.
///
/// Errors: `RateLimited` after too many hints from one client (`Limits::hints_per_minute`);
/// bad input is judged, not refused.
#[server(prefix = "/fn", endpoint = "password_hint")]
pub async fn password_hint(password: String) -> Result<Option<Refusal>, AppError> {
    use crate::domain::Password;
    let new = match Password::parse(&password) {
        Ok(p) => p,
        Err(refusal) => return Ok(Some(refusal)),
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

/// "Forgot password?": mails a reset link to `email` if an active account has it, then sends
/// the browser to `/password/forgot?sent=1`. The answer is the same for every address.
///
/// Errors: `Validation` at `email` for text that is no address; `RateLimited` after too many
/// requests from the client.
#[server(prefix = "/fn", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let r = super::caller::this_request()?;
    super::links::forgot_password(&r.state, &r.ctx, &email, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::PASSWORD_FORGOT,
        "sent",
    ));
    Ok(())
}

/// Whether `token` is an open reset link, for `/password/reset` (which then asks for the new
/// password, or says the link is invalid).
#[server(prefix = "/fn", endpoint = "reset_link")]
pub async fn reset_link(token: String) -> Result<bool, AppError> {
    let r = super::caller::this_request()?;
    super::links::reset_link_is_open(&r.state, &token, r.state.now()).await
}

/// Sets a new password through the reset link `token`: every session and token of the person
/// ends; then sends the browser to `/login?reset=1`.
///
/// Errors: `Validation` at `token` for a link that is unknown, used or expired, at
/// `new_password` for a password too short, too long or guessable.
#[server(prefix = "/fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    use crate::domain::Password;
    let new = Password::parse(&new_password)
        .map_err(|refusal| AppError::refused("new_password", refusal))?;
    let r = super::caller::this_request()?;
    super::links::reset_password(&r.state, &r.ctx, &token, &new, r.state.now()).await?;
    // Whoever was signed in on this browser is signed out too (their session ended above).
    super::session::TypedSession::from_request()
        .await?
        .end()
        .await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::LOGIN, "reset"));
    Ok(())
}

/// Uses the confirmation link `token` (a new account's address, or a new address), then sends
/// the browser to `/verify-email?done=address` or `?done=new`.
///
/// Errors: `Validation` at `token` for a link that is unknown, used or expired; `Conflict` at
/// `token` when the new address was taken meanwhile.
#[server(prefix = "/fn", endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use super::links::Confirmed;
    let r = super::caller::this_request()?;
    let session = super::session::TypedSession::from_request().await?;
    let done =
        super::links::confirm_address(&r.state, &r.ctx, &session, &token, r.state.now()).await?;
    let which = match done {
        Confirmed::Address { .. } => "address",
        Confirmed::NewAddress => "new",
    };
    leptos_axum::redirect(&format!("{}?done={which}", crate::paths::VERIFY_EMAIL));
    Ok(())
}

/// Mails the signed-in caller a new confirmation link for their address, then sends them to
/// `/?resent=1`.
///
/// Errors: `Unauthorized` when signed out; `Conflict` when the address is already confirmed;
/// `RateLimited` after too many requests.
#[server(prefix = "/fn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let r = super::caller::this_request()?;
    let me = r.caller.me()?;
    super::links::resend_verification(&r.state, &r.ctx, &me, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::HOME, "resent"));
    Ok(())
}

/// What `/login/verify` offers this browser: `None` when it holds no half-signed-in state
/// (none started, or its five minutes are over).
#[server(prefix = "/fn", endpoint = "second_factor_challenge")]
pub async fn second_factor_challenge() -> Result<Option<super::Challenge>, AppError> {
    let r = super::caller::this_request()?;
    let session = super::session::TypedSession::from_request().await?;
    super::second_factor::challenge(&r.state, &session, r.state.now()).await
}

/// Completes a sign-in with an authentication `code` or a `recovery_code` (whichever the form
/// sent), then sends the person where the sign-in was headed.
///
/// Errors: `Validation` at `code` / `recovery_code` (wrong, stale, used; or the sign-in
/// expired); `RateLimited`; `AccountDisabled`.
#[server(prefix = "/fn", endpoint = "verify_second_factor")]
pub async fn verify_second_factor(
    code: Option<String>,
    recovery_code: Option<String>,
) -> Result<(), AppError> {
    use super::second_factor::{verify, Proof};
    use crate::paths;
    let r = super::caller::this_request()?;
    let session = super::session::TypedSession::from_request().await?;
    let now = r.state.now();
    let next = super::second_factor::pending(&session, now)
        .await
        .and_then(|p| p.next);
    let proof = match (&code, &recovery_code) {
        (_, Some(recovery)) => Proof::RecoveryCode(recovery),
        (Some(code), None) => Proof::Code(code),
        (None, None) => Proof::Code(""),
    };
    let signed_in = verify(&r.state, &r.ctx, &session, proof, now).await?;
    let target = if signed_in.must_change_password {
        paths::REQUIRED_PASSWORD_CHANGE
    } else {
        next.as_deref()
            .and_then(paths::safe_next)
            .unwrap_or(paths::HOME)
    };
    leptos_axum::redirect(target);
    Ok(())
}
