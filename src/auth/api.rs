//! Server functions of the accounts feature. Each is a public endpoint under `/fn/`.

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
    use super::ssr;
    use crate::server::password;

    let account = SignUpForm {
        email,
        display_name,
        password,
    }
    .parse()
    .map_err(AppError::Validation)?;
    password::refuse_guessable(
        &account.password,
        "password",
        account.email.as_str(),
        account.display_name.as_str(),
    )
    .await?;
    let state = crate::server::state::app_state()?;
    let ip = crate::audit::ssr::ClientInfo::current().ip_addr();
    if let Some(retry_after) = state.throttle.sign_up_attempt(ip, state.now()) {
        return Err(AppError::RateLimited { retry_after });
    }
    let pool = ssr::pool()?;
    let hash = password::hash(&account.password).await?;
    let user_id = ssr::create_account(&pool, &account, &hash).await?;
    ssr::sign_in(&ssr::session().await?, user_id, false).await?;
    tracing::info!(user_id, "account created");
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs in with email and password, then sends the person to `next` if it is a local path,
/// else to `/`.
///
/// Errors: `InvalidCredentials` for a wrong password and for an unknown email alike (same
/// message, status and work: the unknown email is checked against a dummy hash);
/// `RateLimited` after repeated failures for the account or from the IP (see
/// `server::throttle`).
#[server(prefix = "/fn", endpoint = "log_in")]
pub async fn log_in(
    email: String,
    password: String,
    remember: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::{safe_next, ssr};
    use crate::{
        audit::{
            ssr::{record, AuditEvent},
            AuditAction,
        },
        domain::Email,
        server::password as pw,
    };

    let form = LoginForm {
        email,
        password,
        remember,
        next,
    };
    form.check().map_err(AppError::Validation)?;
    let state = crate::server::state::app_state()?;
    let pool = state.pool.clone();
    let email = Email::parse(&form.email).ok();
    // Throttled by what was typed (normalised when it is an email), whether or not such an
    // account exists, so a 429 tells nothing about existence.
    let throttle_key = email.as_ref().map_or_else(
        || form.email.trim().to_lowercase(),
        |e| e.as_str().to_string(),
    );
    let ip = crate::audit::ssr::ClientInfo::current().ip_addr();
    if let Some(retry_after) = state.throttle.login_wait(&throttle_key, ip, state.now()) {
        tracing::info!(retry_after, "login throttled");
        return Err(AppError::RateLimited { retry_after });
    }
    let account = match &email {
        Some(email) => ssr::find_credentials(&pool, email.as_str()).await?,
        None => None,
    };
    let matched = pw::verify(
        &form.password,
        account.as_ref().map(|a| a.password_hash.as_str()),
    )
    .await?;
    let target = account.as_ref().map(|a| a.id);
    let Some(account) = account.filter(|_| matched) else {
        tracing::info!("login failed");
        state.throttle.login_failed(&throttle_key, ip, state.now());
        crate::server::metrics::login(false);
        // The email only when it is one: a password typed into the email field is not kept.
        let mut event = AuditEvent::new(AuditAction::LoginFailed, None, target);
        if let Some(email) = email {
            event = event.with("email", email.as_str());
        }
        record(&pool, &event).await?;
        return Err(AppError::InvalidCredentials);
    };
    let user_id = account.id;
    state.throttle.login_succeeded(&throttle_key);
    if account.status != "active" {
        // Said only to someone who knows the password, so it tells nothing to a guesser.
        let event = AuditEvent::new(AuditAction::LoginFailed, Some(user_id), Some(user_id))
            .with("reason", "account disabled");
        record(&pool, &event).await?;
        crate::server::metrics::login(false);
        return Err(AppError::AccountDisabled);
    }
    pw::rehash_if_weak(&pool, user_id, &form.password, &account.password_hash).await?;
    ssr::sign_in(&ssr::session().await?, user_id, form.remember.is_some()).await?;
    sqlx::query("UPDATE users SET last_login_at = ? WHERE id = ?")
        .bind(state.now())
        .bind(user_id)
        .execute(&pool)
        .await
        .map_err(crate::error::internal)?;
    let event = AuditEvent::new(AuditAction::LoginSucceeded, Some(user_id), Some(user_id))
        .with("remember_me", form.remember.is_some());
    record(&pool, &event).await?;
    crate::server::metrics::login(true);
    tracing::info!(user_id, "login succeeded");
    let target = if account.must_change_password {
        super::REQUIRED_PASSWORD_CHANGE
    } else {
        form.next.as_deref().and_then(safe_next).unwrap_or("/")
    };
    leptos_axum::redirect(target);
    Ok(())
}

/// Signs out: deletes the session on the server, then sends the person to `/`.
#[server(prefix = "/fn", endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    use super::ssr;
    use crate::audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    };
    let session = ssr::session().await?;
    let user_id = ssr::session_user_id(&session).await;
    ssr::sign_out(&session).await?;
    if let Some(user_id) = user_id {
        let event = AuditEvent::new(AuditAction::Logout, Some(user_id), Some(user_id));
        record(&ssr::pool()?, &event).await?;
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// Who is signed in, for the header and theme; `None` when nobody is.
#[server(prefix = "/fn", endpoint = "viewer")]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    use super::ssr;
    // A page render already knows (the page middleware looked it up): no second query.
    if let Some(viewer) = ssr::current_viewer_extension() {
        return Ok(viewer);
    }
    let session = ssr::session().await?;
    match ssr::session_user_id(&session).await {
        Some(user_id) => ssr::load_viewer(&ssr::pool()?, user_id).await,
        None => Ok(None),
    }
}
