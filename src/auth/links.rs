//! Recovering and confirming an account by mail: the links Roster mails (confirm an address,
//! reset a password, confirm a new address) and what using each does. Every mail is written to
//! the outbox in the transaction of the change that causes it; the delivery worker sends it.
//!
//! Rules (`shared/SECURITY.md`, Login; OWASP ASVS 4.0.3 V2.5): a link carries 32 random bytes
//! stored as SHA-256, works once, for 1 h (reset) or 24 h (addresses), and is void after a newer
//! link of its kind or any password change. "Forgot password?" answers alike, and as fast, for
//! known and unknown addresses; it is throttled per client (visibly) and per address (silently,
//! so the answer still tells nothing).

use super::{
    caller::{Admin, Me},
    session::TypedSession,
    sessions::{self, Ending},
};
use crate::domain::Refusal;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, Email, Letter, LinkLifetime, MailKind, Password},
    error::{AppError, FieldErrors, OrInternal},
    paths,
    request::RequestContext,
    server::{db::begin_write, db::Tx, password, AppState},
    store::{
        links::{self, Purpose},
        outbox, users,
    },
};

/// Mails of one kind an address receives per hour at most, whoever asks (a stranger can make
/// Roster mail someone; this bounds how much).
pub const MAILS_PER_ADDRESS_PER_HOUR: i64 = 3;

/// The answer to a link that is unknown, used, voided or expired: [`Refusal::LinkInvalid`] at
/// `token`, one answer for all, so a forged link learns nothing.
fn invalid_link() -> AppError {
    let mut errors = FieldErrors::new();
    errors.refuse("token", Refusal::LinkInvalid);
    AppError::Validation(errors)
}

/// `origin` + `path` + `?token=` + `token`.
fn link(state: &AppState, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", state.public_origin())
}

/// Writes a link's mail: `(language, to, name, link, secret)`.
type WriteLink = fn(crate::i18n::Locale, &str, &str, &str, &str) -> Letter;

/// Issues a link of `purpose` for `user_id`, sent to `email` (for [`Purpose::ChangeEmail`] the
/// new address), and writes its mail, in `tx` (ring the mailer after `tx` commits): confirming
/// an address, 24 h, at `/verify-email`; resetting the password, 1 h, at `/password/reset`.
/// Any older open link of the same purpose is void. The mail is in the person's language
/// (`i18n::mail_locale`; `own`: they asked for it themselves, not an administrator).
///
/// Errors: `Internal` when a write fails.
pub async fn queue_link(
    tx: &mut Tx,
    state: &AppState,
    purpose: Purpose,
    user_id: i64,
    email: &str,
    own: bool,
    now: i64,
) -> Result<(), AppError> {
    let (lifetime, path, letter): (_, _, WriteLink) = match purpose {
        Purpose::VerifyEmail => (
            LinkLifetime::OneDay,
            paths::VERIFY_EMAIL,
            Letter::verify_email,
        ),
        Purpose::ChangeEmail => (
            LinkLifetime::OneDay,
            paths::VERIFY_EMAIL,
            Letter::change_email,
        ),
        Purpose::ResetPassword => (
            LinkLifetime::OneHour,
            paths::PASSWORD_RESET,
            Letter::password_reset,
        ),
    };
    let token = links::new_token();
    links::issue(
        tx,
        user_id,
        purpose,
        email,
        &token,
        now,
        now + lifetime.seconds(),
    )
    .await?;
    // Greeted by name, in their language.
    let (name, language) = users::record(&mut *tx, user_id)
        .await?
        .map(|u| (u.display_name, u.language))
        .unwrap_or_default();
    let locale = crate::i18n::mail_locale(language.as_deref(), own);
    let mail = letter(locale, email, &name, &link(state, path, &token), &token);
    outbox::enqueue(tx, &mail, Some(user_id), now).await?;
    Ok(())
}

/// Whether `email` may get another mail of `kind` now (fewer than
/// [`MAILS_PER_ADDRESS_PER_HOUR`] in the last hour), read in `tx` after it locked the row of
/// the account the mail concerns (`users::lock`), so requests at once are counted one after
/// another.
///
/// Errors: `Internal` when the query fails.
pub async fn address_may_get(
    tx: &mut Tx,
    email: &str,
    kind: MailKind,
    now: i64,
) -> Result<bool, AppError> {
    Ok(outbox::sent_to_since(tx, email, kind, now - 3600).await? < MAILS_PER_ADDRESS_PER_HOUR)
}

/// The client's mail requests are throttled: `RateLimited` when it asked too often.
///
/// Errors: `RateLimited`.
pub async fn throttle_client(
    state: &AppState,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    match state.throttle().mail_request(ctx.client.ip, now).await {
        Some(retry_after) => Err(AppError::RateLimited { retry_after }),
        None => Ok(()),
    }
}

/// "Forgot password?": mails a reset link to `email` if an active account has it. The answer is
/// the same, in the same time, whether or not one does: the lookup runs for every address, and
/// the writing and mailing for a known one runs after the answer, in a task of its own.
///
/// Errors: `Validation` at `email` for text that is no address; `RateLimited` after too many
/// requests from the client (`Limits::mail_requests_per_hour`); `Internal` when the lookup
/// fails.
#[tracing::instrument(skip_all)]
pub async fn forgot_password(
    state: &AppState,
    ctx: &RequestContext,
    email: &str,
    now: i64,
) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|refusal| AppError::refused("email", refusal))?;
    throttle_client(state, ctx, now).await?;
    let account = users::credentials(state.pool(), users::Account::Email(email.as_str())).await?;
    let Some(account) = account.filter(|a| a.status == AccountStatus::Active) else {
        return Ok(());
    };
    let (state, ctx) = (state.clone(), ctx.clone());
    tokio::spawn(ctx.clone().scope(async move {
        // Errors are logged by `internal`; the person asks again.
        if let Ok(Some(record)) = users::record(state.pool(), account.id).await {
            let _ = send_reset_link(&state, &ctx, &record, None, now).await;
        }
    }));
    Ok(())
}

/// Writes a reset link's mail for `account` (at most [`MAILS_PER_ADDRESS_PER_HOUR`] an hour:
/// more are dropped silently) and records `password.reset_requested`, or, when an
/// administrator asked (`by`), `user.reset_link_sent`. Returns whether a mail was written.
///
/// Errors: `Internal` when a write fails.
pub async fn send_reset_link(
    state: &AppState,
    ctx: &RequestContext,
    account: &users::UserRecord,
    by: Option<&Admin>,
    now: i64,
) -> Result<bool, AppError> {
    let user_id = account.id;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    if !address_may_get(&mut tx, &account.email, MailKind::PasswordReset, now).await? {
        tracing::info!(
            user_id,
            "reset link not sent: the address had enough this hour"
        );
        return Ok(false);
    }
    queue_link(
        &mut tx,
        state,
        Purpose::ResetPassword,
        user_id,
        &account.email,
        by.is_none(),
        now,
    )
    .await?;
    let event = match by {
        None => AuditEvent::new(
            AuditAction::PasswordResetRequested,
            Some(user_id),
            Some(user_id),
            ctx,
        ),
        Some(admin) => AuditEvent::new(
            AuditAction::ResetLinkSent,
            admin.actor(),
            Some(user_id),
            ctx,
        ),
    };
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(true)
}

/// Whether `token` is an open reset link (for the page that asks for the new password).
///
/// Errors: `Internal` when the query fails.
pub async fn reset_link_is_open(state: &AppState, token: &str, now: i64) -> Result<bool, AppError> {
    Ok(
        links::peek(state.pool(), token, Purpose::ResetPassword, now)
            .await?
            .is_some(),
    )
}

/// Sets `new` as the password of the account whose reset link is `token`, using the link:
/// every session and personal access token of the person ends, every other open link is void,
/// `password.reset` is recorded and a notice mailed, all in one transaction. The address is
/// confirmed too (the link reached it). The person then signs in with the new password.
///
/// Errors: `Validation` at `token` ([`Refusal::LinkInvalid`]) for a link that is unknown, used,
/// voided or expired (nothing changes); `Validation` at `new_password` for a guessable password;
/// `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn reset_password(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    new: &Password,
    now: i64,
) -> Result<i64, AppError> {
    let link = links::peek(state.pool(), token, Purpose::ResetPassword, now)
        .await?
        .ok_or_else(invalid_link)?;
    let account = users::record(state.pool(), link.user_id)
        .await?
        .ok_or_else(invalid_link)?;
    password::refuse_guessable(new, "new_password", &account.email, &account.display_name).await?;
    let hash = password::hash(new).await?;
    let mut tx = begin_write(state.pool()).await?;
    let Some(link) = links::consume(&mut tx, token, &[Purpose::ResetPassword], now).await? else {
        return Err(invalid_link());
    };
    let user_id = link.user_id;
    tracing::Span::current().record("user_id", user_id);
    users::set_password(&mut tx, user_id, &hash.0, false, now).await?;
    users::set_email_verified(&mut tx, user_id, &link.email, now).await?;
    let ended = sessions::end(&mut tx, user_id, Ending::All).await?;
    let revoked = super::tokens::delete_all(&mut tx, user_id).await?;
    let event = AuditEvent::new(
        AuditAction::PasswordResetByLink,
        Some(user_id),
        Some(user_id),
        ctx,
    )
    .with("sessions_ended", ended)
    .with("tokens_revoked", revoked);
    record(&mut tx, &event, now).await?;
    let locale = crate::i18n::mail_locale(account.language.as_deref(), true);
    let notice = Letter::password_changed(locale, &account.email, &account.display_name, true);
    outbox::enqueue(&mut tx, &notice, Some(user_id), now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    tracing::info!(sessions_ended = ended, "password reset through a link");
    Ok(user_id)
}

/// What using a confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// The account's address is confirmed; `signed_in` when the link also signed the person in
    /// (`required` verification mode).
    Address { signed_in: bool },
    /// The account's address is now the new one.
    NewAddress,
}

/// Uses a confirmation link: confirms the account's address (and, in `required` verification
/// mode, signs the person in on this browser when nobody is), or makes a new address the
/// account's (a notice goes to the old one). One transaction with its audit event.
///
/// Errors: `Validation` at `token` ([`Refusal::LinkInvalid`]) for a link that is unknown, used,
/// voided or expired, or whose address is no longer the account's; `Conflict` at `token` when
/// another account took the new address meanwhile (nothing changed); `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn confirm_address(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    token: &str,
    now: i64,
) -> Result<Confirmed, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let purposes = [Purpose::VerifyEmail, Purpose::ChangeEmail];
    let Some(link) = links::consume(&mut tx, token, &purposes, now).await? else {
        return Err(invalid_link());
    };
    let user_id = link.user_id;
    tracing::Span::current().record("user_id", user_id);
    let account = users::record(&mut tx, user_id)
        .await?
        .ok_or_else(invalid_link)?;
    let confirmed = match link.purpose {
        Purpose::ChangeEmail => {
            if !users::change_email(&mut tx, user_id, &link.email, now).await? {
                return Err(AppError::conflict("token", Refusal::AddressTakenMeanwhile));
            }
            let event =
                AuditEvent::new(AuditAction::EmailChanged, Some(user_id), Some(user_id), ctx)
                    .with("from", account.email.as_str())
                    .with("to", link.email.as_str());
            record(&mut tx, &event, now).await?;
            let locale = crate::i18n::mail_locale(account.language.as_deref(), true);
            let notice =
                Letter::email_changed(locale, &account.email, &account.display_name, &link.email);
            outbox::enqueue(&mut tx, &notice, Some(user_id), now).await?;
            Confirmed::NewAddress
        }
        _ => {
            if account.email != link.email {
                return Err(invalid_link());
            }
            users::set_email_verified(&mut tx, user_id, &link.email, now).await?;
            let event = AuditEvent::new(
                AuditAction::EmailVerified,
                Some(user_id),
                Some(user_id),
                ctx,
            );
            record(&mut tx, &event, now).await?;
            let sign_in = state.config().mail.verification
                == crate::server::config::EmailVerification::Required
                && account.status == AccountStatus::Active
                && session.user_id().await.is_none();
            Confirmed::Address { signed_in: sign_in }
        }
    };
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    if let Confirmed::Address { signed_in: true } = confirmed {
        super::service::start_session(state, ctx, session, user_id, false, now).await?;
        let event = AuditEvent::new(
            AuditAction::LoginSucceeded,
            Some(user_id),
            Some(user_id),
            ctx,
        )
        .with("via", "verification link");
        record(state.pool(), &event, now).await?;
    }
    Ok(confirmed)
}

/// "Resend verification email" for `me` (whose address is not confirmed): a new link (the old
/// one is void), throttled per client and per address.
///
/// Errors: `Conflict` at `email` when the address is already confirmed; `RateLimited` after
/// too many requests from the client or for the address; `NotFound` when the account is gone;
/// `Internal` on failures.
pub async fn resend_verification(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    now: i64,
) -> Result<(), AppError> {
    throttle_client(state, ctx, now).await?;
    let account = users::record(state.pool(), me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    send_verification(state, ctx, &account, None, now).await
}

/// Writes a new confirmation mail for `account` (asked for by an administrator: `by`):
/// at most [`MAILS_PER_ADDRESS_PER_HOUR`] an hour.
///
/// Errors: `Conflict` at `email` when the address is already confirmed; `RateLimited` when the
/// address had enough this hour; `Internal` on failures.
pub async fn send_verification(
    state: &AppState,
    ctx: &RequestContext,
    account: &users::UserRecord,
    by: Option<&Admin>,
    now: i64,
) -> Result<(), AppError> {
    if account.email_verified_at.is_some() {
        return Err(AppError::conflict("email", Refusal::AddressConfirmed));
    }
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(account.id), false).await?;
    if !address_may_get(&mut tx, &account.email, MailKind::VerifyEmail, now).await? {
        return Err(AppError::RateLimited { retry_after: 3600 });
    }
    queue_link(
        &mut tx,
        state,
        Purpose::VerifyEmail,
        account.id,
        &account.email,
        by.is_none(),
        now,
    )
    .await?;
    let actor = by.map_or(Some(account.id), Admin::actor);
    let event = AuditEvent::new(AuditAction::VerificationSent, actor, Some(account.id), ctx);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}
