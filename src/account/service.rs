//! The account service: a person's own sessions, password and account, through their [`Me`].
//! Each change and its audit event are one transaction.

use super::SessionView;
use crate::domain::Refusal;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::{
        sessions::{self, Ending},
        Me,
    },
    domain::{time::TimeFormat, Email, Letter, MailKind, Password},
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, password, AppState},
    store::{outbox, users},
};

/// `me`'s live sessions for `/settings/sessions`, times as `time` reads them: `current` (the
/// caller's own session record) first, then the most recently used.
///
/// Errors: `Internal` when the query fails.
pub async fn session_views(
    state: &AppState,
    me: &Me,
    current: Option<i64>,
    time: &TimeFormat,
    now: i64,
) -> Result<Vec<SessionView>, AppError> {
    let mut views: Vec<SessionView> = sessions::list(state.pool(), me.user_id(), now)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            this_device: Some(s.id) == current,
            signed_in: time.format(s.created_at),
            last_seen: time.format(s.last_seen_at),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            user_agent: s.user_agent.unwrap_or_else(|| "unknown".into()),
            remember_me: s.remember_me,
        })
        .collect();
    // This device first, then the most recently used.
    views.sort_by_key(|v| !v.this_device);
    Ok(views)
}

/// Ends sessions of `me` (one, or all but the caller's) and records `session.ended`.
/// Returns how many ended (0 when `which` names no session of theirs).
///
/// Errors: `Internal` when the database write fails.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn end_sessions(
    state: &AppState,
    me: &Me,
    which: Ending,
    ctx: &RequestContext,
    now: i64,
) -> Result<u64, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let ended = sessions::end(&mut tx, me.user_id(), which).await?;
    if ended > 0 {
        let scope = match which {
            Ending::One(_) => "one",
            Ending::AllBut(_) => "all_others",
            Ending::All => "all",
        };
        let event = AuditEvent::new(
            AuditAction::SessionEnded,
            Some(me.user_id()),
            Some(me.user_id()),
            ctx,
        )
        .with("sessions", scope)
        .with("count", ended);
        record(&mut tx, &event, now).await?;
    }
    tx.commit().await.or_internal()?;
    Ok(ended)
}

/// Changes `me`'s password to `new` after checking `current` (throttled like a login) and
/// the new one's strength (counting their email and `name`); ends every other session of
/// theirs (all but `keep`, the caller's), revokes their personal access tokens with
/// `revoke_tokens`, and records `password.changed`, all in one transaction (`shared/SECURITY.md`, Passwords; ASVS 4.0.3 V2.1.5, V3.3.3). Returns how many
/// sessions ended.
///
/// Errors: `Validation` at `current_password` (wrong) or `new_password` (guessable);
/// `RateLimited` after repeated wrong current passwords; `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    state: &AppState,
    me: &Me,
    current: &str,
    new: &Password,
    name: &str,
    keep: i64,
    revoke_tokens: bool,
    ctx: &RequestContext,
    now: i64,
) -> Result<u64, AppError> {
    let email =
        crate::auth::service::check_own_password(state, ctx, me, current, "current_password", now)
            .await?;
    password::refuse_guessable(new, "new_password", &email, name).await?;
    let hash = password::hash(new).await?;
    let mut tx = begin_write(state.pool()).await?;
    users::set_password(&mut tx, me.user_id(), &hash.0, false, now).await?;
    let ended = sessions::end(&mut tx, me.user_id(), Ending::AllBut(keep)).await?;
    let revoked = if revoke_tokens {
        crate::auth::tokens::delete_all(&mut tx, me.user_id()).await?
    } else {
        0
    };
    let event = AuditEvent::new(
        AuditAction::PasswordChanged,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("other_sessions_ended", ended)
    .with("tokens_revoked", revoked);
    record(&mut tx, &event, now).await?;
    let language = users::language(&mut tx, me.user_id()).await?;
    let locale = crate::i18n::mail_locale(language.as_deref(), true);
    outbox::enqueue(
        &mut tx,
        &Letter::password_changed(locale, &email, name, false),
        Some(me.user_id()),
        now,
    )
    .await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    tracing::info!(other_sessions_ended = ended, "password changed");
    Ok(ended)
}

/// Deletes `me`'s account after checking `password` (throttled like a login): every session
/// (with its store entry), the profile and the user row go; `account.deleted` is recorded
/// (the audit trail keeps the user's id, not their data). One transaction.
///
/// Errors: `Validation` at `password` when it is wrong; `RateLimited` after repeated wrong
/// passwords; `Conflict` at `password` for the last active administrator (nothing deleted);
/// `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn delete_account(
    state: &AppState,
    me: &Me,
    password: &str,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    crate::auth::service::check_own_password(state, ctx, me, password, "password", now).await?;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, None, true).await?;
    let account = users::record(&mut tx, me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    // As in the console: one active administrator always remains.
    if account.is_active_admin() && users::other_active_admins(&mut tx, me.user_id()).await? == 0 {
        return Err(AppError::conflict(
            "password",
            Refusal::LastAdministratorSelf,
        ));
    }
    sessions::end(&mut tx, me.user_id(), Ending::All).await?;
    // profiles, user_sessions and tokens go with the user (ON DELETE CASCADE).
    users::delete(&mut tx, me.user_id()).await?;
    let event = AuditEvent::new(
        AuditAction::AccountDeleted,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    );
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    tracing::info!("account deleted");
    Ok(())
}

/// What asking to change one's address did: nothing visible differs between a free and a taken
/// address (a taken one gets no link), so the form tells nobody which addresses have accounts.
///
/// Checks `current` (throttled like a login), then mails a confirmation link (24 h) to `new`
/// and a notice to the old address, and records `email.change_requested`; the old address
/// keeps signing in until the link is used (`auth::links::confirm_address`).
///
/// Errors: `Validation` at `current_password` (wrong) or `new_email` (the current address);
/// `RateLimited` after repeated wrong passwords or too many mail requests from the client;
/// `Internal` on failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn change_email(
    state: &AppState,
    me: &Me,
    new: &Email,
    current: &str,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let old =
        crate::auth::service::check_own_password(state, ctx, me, current, "current_password", now)
            .await?;
    if new.as_str() == old {
        let mut errors = crate::error::FieldErrors::new();
        errors.refuse("new_email", Refusal::SameAddress);
        return Err(AppError::Validation(errors));
    }
    crate::auth::links::throttle_client(state, ctx, now).await?;
    let account = users::record(state.pool(), me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let taken = users::id_by_email(state.pool(), new.as_str())
        .await?
        .is_some();
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(me.user_id()), false).await?;
    let may_mail_new =
        crate::auth::links::address_may_get(&mut tx, new.as_str(), MailKind::ChangeEmail, now)
            .await?;
    if !taken && may_mail_new {
        crate::auth::links::queue_link(
            &mut tx,
            state,
            crate::store::links::Purpose::ChangeEmail,
            me.user_id(),
            new.as_str(),
            true,
            now,
        )
        .await?;
    }
    let locale = crate::i18n::mail_locale(account.language.as_deref(), true);
    let notice = Letter::email_change_requested(locale, &old, &account.display_name, new.as_str());
    outbox::enqueue(&mut tx, &notice, Some(me.user_id()), now).await?;
    let event = AuditEvent::new(
        AuditAction::EmailChangeRequested,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("to", new.as_str())
    .with("link_sent", !taken && may_mail_new);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}
