//! The second step of sign-in: after a correct password, an account with a second factor gets
//! no session but a half-signed-in state ([`PendingLogin`]) kept in this browser's session
//! entry for [`PENDING_SECONDS`], and `/login/verify` asks for an authentication code, a
//! recovery code or a passkey (`auth::passkeys`). Wrong codes are throttled like passwords, per
//! account and client, counted before they are checked (`shared/SECURITY.md`, Login; OWASP
//! ASVS 4.0.3 V2.8).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    factors as rules,
    service::{open_session, Opening, SignedIn},
    session::{Stash, TypedSession},
    Challenge,
};
use crate::domain::Refusal;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, FactorNotice, Letter},
    error::AppError,
    request::RequestContext,
    server::{
        db::{begin_write, Tx},
        AppState,
    },
    store::{data_keys, factors, outbox, users},
};

/// How long the half-signed-in state lasts, in seconds.
pub const PENDING_SECONDS: i64 = 5 * 60;
/// Wrong codes one half-signed-in state takes before the password must be given again.
pub const FAILURES_PER_PENDING: u32 = 5;

/// The message for a wrong, stale or used authentication code.
pub const WRONG_CODE: Refusal = Refusal::WrongCode;
/// The message for a wrong or used recovery code.
pub const WRONG_RECOVERY_CODE: Refusal = Refusal::WrongRecoveryCode;
/// The message when the half-signed-in state is gone (expired, too many wrong codes, or the
/// account changed meanwhile).
pub const SIGN_IN_AGAIN: Refusal = Refusal::SignInAgain;

/// A sign-in that passed the password and waits for its second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    pub user_id: i64,
    email: String,
    /// SHA-256 of the password hash checked: a password change meanwhile voids the state.
    mark: String,
    pub remember: bool,
    /// Where to go afterwards (a local path, checked again on use).
    pub next: Option<String>,
    pub expires_at: i64,
    failures: u32,
}

impl PendingLogin {
    /// The state after user `user_id` gave the password whose stored hash is `password_hash`.
    pub fn new(
        user_id: i64,
        email: &str,
        password_hash: &str,
        remember: bool,
        next: Option<&str>,
        now: i64,
    ) -> Self {
        Self {
            user_id,
            email: email.to_string(),
            mark: mark(password_hash),
            remember,
            next: next.and_then(crate::paths::safe_next).map(str::to_string),
            expires_at: now.saturating_add(PENDING_SECONDS),
            failures: 0,
        }
    }

    fn throttle_key(&self) -> String {
        throttle_key(&self.email)
    }
}

/// The throttle key of the second-factor attempts of the account with `email`: apart from its
/// password attempts, so a correct password does not clear the count of wrong codes.
pub fn throttle_key(email: &str) -> String {
    format!("second-factor:{email}")
}

fn mark(password_hash: &str) -> String {
    Sha256::digest(password_hash.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Keeps `pending` in the browser's session entry, which ends with it (unless someone is
/// signed in on this browser already: their session keeps its own deadline).
///
/// Errors: `Internal` when the session store fails.
pub async fn begin(session: &TypedSession, pending: &PendingLogin) -> Result<(), AppError> {
    session.stash(Stash::PendingLogin, pending).await?;
    if session.user_id().await.is_none() {
        session.expire_at(pending.expires_at);
    }
    Ok(())
}

/// The half-signed-in state of this browser, if it has not expired by `now`.
pub async fn pending(session: &TypedSession, now: i64) -> Option<PendingLogin> {
    session
        .peek::<PendingLogin>(Stash::PendingLogin)
        .await
        .filter(|p| p.expires_at > now)
}

/// What this browser's half-signed-in state may be completed with; `None` when there is none.
///
/// Errors: `Internal` when the query fails.
pub async fn challenge(
    state: &AppState,
    session: &TypedSession,
    now: i64,
) -> Result<Option<Challenge>, AppError> {
    let Some(pending) = pending(session, now).await else {
        return Ok(None);
    };
    let have = factors::summary(state.pool(), pending.user_id).await?;
    Ok(Some(Challenge {
        totp: have.totp,
        passkey: have.passkeys > 0 && state.webauthn().is_some(),
    }))
}

/// A second factor typed into `/login/verify`.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// A code of the authenticator app.
    Code(&'a str),
    /// One of the recovery codes.
    RecoveryCode(&'a str),
}

/// Completes this browser's sign-in with `proof`: the throttle counts the attempt first; a
/// code is accepted for now's time step or one either side, once (its step is remembered); a
/// recovery code once. Then the session opens as after a password alone, and a used recovery
/// code is recorded and told by mail.
///
/// Errors: `Validation` at `code` / `recovery_code` for a wrong, stale or used code, and
/// [`SIGN_IN_AGAIN`] when the state is gone or after [`FAILURES_PER_PENDING`] wrong codes;
/// `RateLimited` after repeated failures for the account or from the client; `AccountDisabled`;
/// `Internal` when a stored secret does not open (never a bypass).
#[tracing::instrument(skip_all)]
pub async fn verify(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    proof: Proof<'_>,
    now: i64,
) -> Result<SignedIn, AppError> {
    let field = match proof {
        Proof::Code(_) => "code",
        Proof::RecoveryCode(_) => "recovery_code",
    };
    let Some(mut pending) = pending(session, now).await else {
        return Err(AppError::refused(field, SIGN_IN_AGAIN));
    };
    let user_id = pending.user_id;
    let key = pending.throttle_key();
    if let Err(retry_after) = state
        .throttle()
        .login_attempt(&key, ctx.client.ip, now)
        .await
    {
        return Err(AppError::RateLimited { retry_after });
    }
    let method = match proof {
        Proof::Code(typed) => match rules::normalise_code(typed) {
            Some(code) => check_code(state, user_id, &code, now).await?,
            None => false,
        }
        .then_some("totp"),
        Proof::RecoveryCode(typed) => match rules::normalise_recovery_code(typed) {
            Some(code) => {
                let hash = rules::recovery_hash(user_id, &code);
                factors::use_recovery_code(state.pool(), user_id, &hash, now).await?
            }
            None => false,
        }
        .then_some("recovery_code"),
    };
    let Some(method) = method else {
        state.metrics().login(false);
        pending.failures += 1;
        let event = AuditEvent::new(AuditAction::SecondFactorFailed, None, Some(user_id), ctx)
            .with("method", field);
        record(state.pool(), &event, now).await?;
        if pending.failures >= FAILURES_PER_PENDING {
            session.unstash(Stash::PendingLogin).await?;
            return Err(AppError::refused(field, SIGN_IN_AGAIN));
        }
        session.stash(Stash::PendingLogin, &pending).await?;
        let message = match proof {
            Proof::Code(_) => WRONG_CODE,
            Proof::RecoveryCode(_) => WRONG_RECOVERY_CODE,
        };
        return Err(AppError::refused(field, message));
    };
    state.throttle().login_succeeded(&key, ctx.client.ip).await;
    complete(state, ctx, session, &pending, method, now).await
}

/// Whether `code` is the authenticator app's code of a time step near `now` not used before
/// (the step is then marked used, in one statement, so of two requests with it one passes).
///
/// Errors: `Internal` when the seed does not open with the data keys.
pub async fn check_code(
    state: &AppState,
    user_id: i64,
    code: &str,
    now: i64,
) -> Result<bool, AppError> {
    let Some(row) = factors::totp(state.pool(), user_id).await? else {
        return Ok(false);
    };
    if row.enabled_at.is_none() {
        return Ok(false);
    }
    let secret = open_seed(state, user_id, &row.secret)?;
    match rules::matching_step(&secret, code, now) {
        Some(step) if step > row.last_step => {
            factors::use_totp_step(state.pool(), user_id, step).await
        }
        _ => Ok(false),
    }
}

/// The authenticator-app seed of `user_id`, opened.
///
/// Errors: `Internal` (logged with the cause) when it does not open: a key file that does not
/// fit. The sign-in fails; it is never let through.
pub fn open_seed(state: &AppState, user_id: i64, sealed: &str) -> Result<Vec<u8>, AppError> {
    let place = data_keys::context("totp_factors", "secret", user_id);
    state.keyring()?.open(&place, sealed).map_err(|e| {
        tracing::error!(user_id, error = %e, "a stored TOTP seed did not open");
        crate::error::internal(e.to_string())
    })
}

/// Opens the session of `pending` after its second factor `method` was checked: the account is
/// read again under its lock (a password change or a disabling meanwhile ends the attempt),
/// the half-signed-in state is removed, the session opens.
///
/// Errors: `Validation` [`SIGN_IN_AGAIN`] when the password changed meanwhile;
/// `AccountDisabled`; `Internal` on failures.
pub async fn complete(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    pending: &PendingLogin,
    method: &'static str,
    now: i64,
) -> Result<SignedIn, AppError> {
    let user_id = pending.user_id;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    let account = users::credentials(&mut tx, users::Account::Id(user_id)).await?;
    session.unstash(Stash::PendingLogin).await?;
    let account = match account {
        Some(a) if mark(&a.password_hash) != pending.mark => {
            return Err(AppError::refused("code", SIGN_IN_AGAIN));
        }
        Some(a) if a.status != AccountStatus::Active => return Err(AppError::AccountDisabled),
        Some(a) => a,
        None => return Err(AppError::refused("code", SIGN_IN_AGAIN)),
    };
    let mut notice = false;
    if method == "recovery_code" {
        let left = factors::summary(&mut tx, user_id)
            .await?
            .recovery_codes_left;
        let event = AuditEvent::new(
            AuditAction::RecoveryCodeUsed,
            Some(user_id),
            Some(user_id),
            ctx,
        )
        .with("codes_left", left);
        record(&mut tx, &event, now).await?;
        let what = FactorNotice::RecoveryCodeUsed { left };
        queue_notice(&mut tx, user_id, &what, true, now).await?;
        notice = true;
    }
    open_session(
        state,
        ctx,
        session,
        tx,
        Opening {
            user_id,
            email: &account.email,
            remember: pending.remember,
            second_factor: Some(method),
        },
        now,
    )
    .await?;
    if notice {
        state.mailer().ring();
    }
    Ok(SignedIn {
        user_id,
        must_change_password: account.must_change_password,
    })
}

/// Writes a notice about the second factors of `user_id` (`what`: one sentence) to the
/// outbox in `tx`; the caller rings the mailer after commit.
///
/// Errors: `Internal` when a query fails.
pub async fn queue_notice(
    tx: &mut Tx,
    user_id: i64,
    what: &FactorNotice,
    own: bool,
    now: i64,
) -> Result<(), AppError> {
    if let Some(user) = users::record(&mut *tx, user_id).await? {
        let locale = crate::i18n::mail_locale(user.language.as_deref(), own);
        let letter = Letter::second_factor(locale, &user.email, &user.display_name, what);
        outbox::enqueue(tx, &letter, Some(user_id), now).await?;
    }
    Ok(())
}
