//! The sign-in service and its kin: sign-up, sign-in (throttle → verify → rehash → session →
//! audit), sign-out, and checking a signed-in person's own password. The server functions of
//! `auth::api` are thin adapters over these.

use super::{caller::Me, session::TypedSession, sessions, LoginForm, NewAccount};
use crate::domain::Refusal;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, Email, Letter, MailKind, Role},
    error::{AppError, FieldErrors, OrInternal},
    request::RequestContext,
    server::{config::EmailVerification, db::begin_write, password, AppState},
    store::{devices, factors, outbox, users},
};

/// The message for a current password that does not match (`/settings/password`,
/// `/settings/account`).
pub const WRONG_PASSWORD: Refusal = Refusal::WrongPassword;

/// What sign-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedUp {
    /// The account was made and the person signed in (`optional` verification mode).
    SignedIn(i64),
    /// "Check your inbox" (`required` mode): for a new address the account was made and a
    /// confirmation link mailed; for a registered one its owner was told by mail instead. The
    /// answer is the same, so sign-up tells nobody which addresses exist.
    CheckInbox,
}

/// Creates an account (user, profile, `account.created` and the mail with its confirmation
/// link, in one transaction). In `optional` verification mode the new person is signed in; in
/// `required` mode they follow the link first, and an address already registered gets the same
/// answer (its owner gets a "someone tried to sign up" mail).
///
/// Errors: `Validation` at `password` for a guessable password (zxcvbn, counting the email and
/// name); `RateLimited` after too many sign-ups from one IP; `Conflict` at `email` for an email
/// already in use (`optional` mode only); `Internal` on failures.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    account: &NewAccount,
    now: i64,
) -> Result<SignedUp, AppError> {
    // The throttle first: the strength check is CPU work an anonymous caller asks for.
    if let Some(retry_after) = state.throttle().sign_up_attempt(ctx.client.ip, now).await {
        return Err(AppError::RateLimited { retry_after });
    }
    password::refuse_guessable(
        &account.password,
        "password",
        account.email.as_str(),
        account.display_name.as_str(),
    )
    .await?;
    let hash = password::hash(&account.password).await?;
    let required = state.config().mail.verification == EmailVerification::Required;
    let mut tx = begin_write(state.pool()).await?;
    let new = users::NewUser {
        email: account.email.as_str(),
        password_hash: &hash.0,
        role: Role::User,
        must_change_password: false,
        display_name: account.display_name.as_str(),
    };
    let Some(user_id) = users::insert(&mut tx, &new, now).await? else {
        if !required {
            return Err(AppError::conflict("email", Refusal::AccountExists));
        }
        drop(tx);
        tell_owner_of_sign_up_attempt(state, account.email.as_str(), now).await?;
        return Ok(SignedUp::CheckInbox);
    };
    let event = AuditEvent::new(
        AuditAction::AccountCreated,
        Some(user_id),
        Some(user_id),
        ctx,
    );
    record(&mut tx, &event, now).await?;
    super::links::queue_link(
        &mut tx,
        state,
        crate::store::links::Purpose::VerifyEmail,
        user_id,
        account.email.as_str(),
        true,
        now,
    )
    .await?;
    let device = devices::key(ctx.client.user_agent.as_deref(), ctx.client.ip);
    devices::remember(&mut tx, user_id, &device, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    tracing::info!(user_id, "account created");
    if required {
        return Ok(SignedUp::CheckInbox);
    }
    start_session(state, ctx, session, user_id, false, now).await?;
    Ok(SignedUp::SignedIn(user_id))
}

/// Mails the owner of `email` that someone tried to sign up with it (at most
/// `links::MAILS_PER_ADDRESS_PER_HOUR` an hour; more are dropped silently).
async fn tell_owner_of_sign_up_attempt(
    state: &AppState,
    email: &str,
    now: i64,
) -> Result<(), AppError> {
    let Some(owner) = users::id_by_email(state.pool(), email).await? else {
        return Ok(());
    };
    let (name, language) = users::record(state.pool(), owner)
        .await?
        .map(|u| (u.display_name, u.language))
        .unwrap_or_default();
    let reset = format!("{}{}", state.public_origin(), crate::paths::PASSWORD_FORGOT);
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(owner), false).await?;
    if !super::links::address_may_get(&mut tx, email, MailKind::SignUpAttempt, now).await? {
        return Ok(());
    }
    // Whoever tried may well be the owner who forgot: the page's language when unset.
    let locale = crate::i18n::mail_locale(language.as_deref(), true);
    let letter = Letter::sign_up_attempt(locale, email, &name, &reset);
    outbox::enqueue(&mut tx, &letter, Some(owner), now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}

/// What a correct password leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStep {
    /// Signed in.
    Done(SignedIn),
    /// The account has a second factor: no session exists yet; `/login/verify` asks for it
    /// (`auth::second_factor`).
    SecondFactor,
}

/// A successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: i64,
    /// An administrator reset the password: the person must choose a new one first.
    pub must_change_password: bool,
}

/// Signs in with `form`'s email and password: throttled per account and per client IP, the
/// password verified (an unknown email against a dummy hash, so the work is the same), a weak
/// stored hash upgraded, then either a fresh session started (new id, new record) and the
/// sign-in recorded, or, for an account with a second factor, only the half-signed-in state
/// kept for `/login/verify` ([`SignInStep::SecondFactor`]).
///
/// Errors: `InvalidCredentials` for a wrong password and for an unknown email alike (same
/// message, status and work); `RateLimited` after repeated failures for the account or from
/// the IP (`server::throttle`); `AccountDisabled` for the right password of a disabled
/// account; `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn sign_in(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    form: &LoginForm,
    now: i64,
) -> Result<SignInStep, AppError> {
    let email = Email::parse(&form.email).ok();
    // Throttled by what was typed (normalised when it is an email), whether or not such an
    // account exists, so a 429 tells nothing about existence.
    let throttle_key = email.as_ref().map_or_else(
        || form.email.trim().to_lowercase(),
        |e| e.as_str().to_string(),
    );
    let ip = ctx.client.ip;
    // Counted as a failure before the password is checked, in one step with the check, so
    // attempts sent at once are limited like attempts sent one by one.
    if let Err(retry_after) = state.throttle().login_attempt(&throttle_key, ip, now).await {
        tracing::info!(retry_after, "login throttled");
        return Err(AppError::RateLimited { retry_after });
    }
    let account = match &email {
        Some(email) => {
            users::credentials(state.pool(), users::Account::Email(email.as_str())).await?
        }
        None => None,
    };
    let matched = state
        .passwords()
        .verify(
            &form.password,
            account.as_ref().map(|a| a.password_hash.as_str()),
        )
        .await?;
    let target = account.as_ref().map(|a| a.id);
    let Some(account) = account.filter(|_| matched) else {
        tracing::info!("login failed");
        state.metrics().login(false);
        // The email only when it is one: a password typed into the email field is not kept.
        let mut event = AuditEvent::new(AuditAction::LoginFailed, None, target, ctx);
        if let Some(email) = email {
            event = event.with("email", email.as_str());
        }
        record(state.pool(), &event, now).await?;
        return Err(AppError::InvalidCredentials);
    };
    let user_id = account.id;
    tracing::Span::current().record("user_id", user_id);
    state.throttle().login_succeeded(&throttle_key, ip).await;
    if account.status != AccountStatus::Active {
        // Said only to someone who knows the password, so it tells nothing to a guesser.
        let event = AuditEvent::new(AuditAction::LoginFailed, Some(user_id), Some(user_id), ctx)
            .with("reason", "account disabled");
        record(state.pool(), &event, now).await?;
        state.metrics().login(false);
        return Err(AppError::AccountDisabled);
    }
    let mut verified_hash = account.password_hash.clone();
    if password::needs_rehash(&account.password_hash) {
        let fresh = password::hash_verified(&form.password).await?;
        if users::replace_hash(state.pool(), user_id, &account.password_hash, &fresh.0, now).await?
        {
            tracing::info!(user_id, "password rehashed with current parameters");
            verified_hash = fresh.0;
        }
    }
    let remember = form.remember.is_some();
    // The password took a while to check: whatever happened to the account meanwhile (disabled,
    // password reset or changed) decides, read again in the transaction that records the
    // session, so a login in flight during such a change gets no session.
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    let now_stored = users::credentials(&mut tx, users::Account::Id(user_id)).await?;
    match now_stored {
        Some(c) if c.password_hash != verified_hash => {
            drop(tx);
            state.metrics().login(false);
            let event = AuditEvent::new(AuditAction::LoginFailed, None, Some(user_id), ctx)
                .with("reason", "password changed during sign-in");
            record(state.pool(), &event, now).await?;
            return Err(AppError::InvalidCredentials);
        }
        Some(c) if c.status != AccountStatus::Active => {
            drop(tx);
            state.metrics().login(false);
            let event =
                AuditEvent::new(AuditAction::LoginFailed, Some(user_id), Some(user_id), ctx)
                    .with("reason", "account disabled");
            record(state.pool(), &event, now).await?;
            return Err(AppError::AccountDisabled);
        }
        Some(c)
            if c.email_verified_at.is_none()
                && state.config().mail.verification == EmailVerification::Required =>
        {
            drop(tx);
            state.metrics().login(false);
            let event =
                AuditEvent::new(AuditAction::LoginFailed, Some(user_id), Some(user_id), ctx)
                    .with("reason", "email not confirmed");
            record(state.pool(), &event, now).await?;
            if let Some(record) = users::record(state.pool(), user_id).await? {
                // A new link with the refusal (unless the address had enough this hour).
                match super::links::send_verification(state, ctx, &record, None, now).await {
                    Ok(()) | Err(AppError::RateLimited { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            return Err(AppError::EmailUnconfirmed);
        }
        Some(_) => {}
        None => {
            drop(tx);
            state.metrics().login(false);
            return Err(AppError::InvalidCredentials);
        }
    }
    // A second factor comes before any session: the browser holds only a short-lived
    // half-signed-in state until it is given.
    if factors::summary(&mut tx, user_id).await?.any() {
        drop(tx);
        let pending = super::second_factor::PendingLogin::new(
            user_id,
            &account.email,
            &verified_hash,
            remember,
            form.next.as_deref(),
            now,
        );
        super::second_factor::begin(session, &pending).await?;
        tracing::info!(user_id, "password correct, second factor asked for");
        return Ok(SignInStep::SecondFactor);
    }
    open_session(
        state,
        ctx,
        session,
        tx,
        Opening {
            user_id,
            email: &account.email,
            remember,
            second_factor: None,
        },
        now,
    )
    .await?;
    Ok(SignInStep::Done(SignedIn {
        user_id,
        must_change_password: account.must_change_password,
    }))
}

/// Who a session is opened for, and how they proved it.
pub(super) struct Opening<'a> {
    pub user_id: i64,
    pub email: &'a str,
    pub remember: bool,
    /// The second factor given (`totp`, `recovery_code`, `passkey`), recorded in the audit
    /// event; `None` for a password alone.
    pub second_factor: Option<&'static str>,
}

/// The end of every sign-in, in `tx` (which holds the account's lock and saw it active): the
/// session recorded, the last sign-in time, a new-device notice when it is one, the
/// `login.succeeded` event; after commit the browser's session gets a new id holding the record.
///
/// Errors: `Internal` when the database or the session store fails.
pub(super) async fn open_session(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    mut tx: crate::server::db::Tx,
    opening: Opening<'_>,
    now: i64,
) -> Result<(), AppError> {
    let Opening {
        user_id,
        email,
        remember,
        second_factor,
    } = opening;
    let timeouts = state.config().session_timeouts(remember);
    // Signing in again in a signed-in browser (an app's `prompt=login`, another account)
    // replaces its session: the record it held ends rather than lingering unreachable.
    if let (Some(before), Some(record)) = (session.user_id().await, session.record_id().await) {
        sessions::end(&mut tx, before, sessions::Ending::One(record)).await?;
    }
    let session_record =
        sessions::start(&mut tx, user_id, remember, timeouts, &ctx.client, now).await?;
    users::record_login(&mut tx, user_id, now).await?;
    let device = devices::key(ctx.client.user_agent.as_deref(), ctx.client.ip);
    let new_device = devices::seen(&mut tx, user_id, &device, now).await? == devices::Device::New;
    if new_device {
        let agent = ctx.client.user_agent.as_deref().unwrap_or("");
        let (name, language) = users::record(&mut tx, user_id)
            .await?
            .map(|u| (u.display_name, u.language))
            .unwrap_or_default();
        let locale = crate::i18n::mail_locale(language.as_deref(), true);
        let browser = crate::i18n::device(locale, &crate::domain::describe_user_agent(agent));
        let ip = ctx
            .client
            .ip_text()
            .unwrap_or_else(|| crate::i18n::td_string!(locale, device.unknown_address).to_string());
        let letter = Letter::new_device(locale, email, &name, &browser, &ip);
        outbox::enqueue(&mut tx, &letter, Some(user_id), now).await?;
    }
    let mut event = AuditEvent::new(
        AuditAction::LoginSucceeded,
        Some(user_id),
        Some(user_id),
        ctx,
    )
    .with("remember_me", remember);
    if let Some(factor) = second_factor {
        event = event.with("second_factor", factor);
    }
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    if new_device {
        state.mailer().ring();
    }
    let expires_at = now.saturating_add(timeouts.absolute.as_secs() as i64);
    session.sign_in(user_id, session_record, expires_at).await?;
    state.metrics().login(true);
    tracing::info!(user_id, "login succeeded");
    Ok(())
}

/// Starts a signed-in session for `user_id`: the session is recorded in `user_sessions` with
/// its idle and absolute timeouts (the longer "Remember me" ones with `remember_me`), which
/// `sessions::session_guard` enforces, and the browser's session gets a new id holding the
/// record. The cookie and the store's entry expire at the absolute deadline.
///
/// Errors: `Internal` when the database or the session store fails.
pub async fn start_session(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    user_id: i64,
    remember_me: bool,
    now: i64,
) -> Result<(), AppError> {
    let timeouts = state.config().session_timeouts(remember_me);
    let record = sessions::start(
        state.pool(),
        user_id,
        remember_me,
        timeouts,
        &ctx.client,
        now,
    )
    .await?;
    let expires_at = now.saturating_add(timeouts.absolute.as_secs() as i64);
    session.sign_in(user_id, record, expires_at).await
}

/// Signs out: the session's record and its store entry are deleted, so the old cookie is
/// worthless; `logout` is recorded when someone was signed in.
///
/// Errors: `Internal` when the database or the session store fails.
#[tracing::instrument(skip_all)]
pub async fn sign_out(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    now: i64,
) -> Result<(), AppError> {
    let user_id = session.user_id().await;
    if let (Some(user_id), Some(record)) = (user_id, session.record_id().await) {
        let mut tx = begin_write(state.pool()).await?;
        sessions::end(&mut tx, user_id, sessions::Ending::One(record)).await?;
        tx.commit().await.or_internal()?;
    }
    session.end().await?;
    if let Some(user_id) = user_id {
        let event = AuditEvent::new(AuditAction::Logout, Some(user_id), Some(user_id), ctx);
        record(state.pool(), &event, now).await?;
    }
    Ok(())
}

/// Checks `candidate` against `me`'s stored password, throttled like a login for that
/// account (so a settings form cannot be used to guess it faster; `shared/SECURITY.md`, Login).
/// Returns the account's email.
///
/// Errors: `Validation` at `field` with [`WRONG_PASSWORD`]; `RateLimited` after repeated
/// failures; `NotFound` when the user no longer exists.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn check_own_password(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    candidate: &str,
    field: &str,
    now: i64,
) -> Result<String, AppError> {
    let account = users::credentials(state.pool(), users::Account::Id(me.user_id()))
        .await?
        .ok_or(AppError::NotFound)?;
    let ip = ctx.client.ip;
    if let Err(retry_after) = state
        .throttle()
        .login_attempt(&account.email, ip, now)
        .await
    {
        return Err(AppError::RateLimited { retry_after });
    }
    if !state
        .passwords()
        .verify(candidate, Some(&account.password_hash))
        .await?
    {
        let mut errors = FieldErrors::new();
        errors.refuse(field, WRONG_PASSWORD);
        return Err(AppError::Validation(errors));
    }
    state.throttle().login_succeeded(&account.email, ip).await;
    Ok(account.email)
}
