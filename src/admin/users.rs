//! The admin service for one user: read, create, change, sign out everywhere, reset the
//! password, delete. Each change and its audit event are written in one transaction, so there
//! is never one without the other (`shared/SECURITY.md`, Errors and logs). Every function takes
//! an [`Admin`]: only an active administrator, or the operator, can call them.

use crate::domain::Refusal;
use crate::server::db::Tx;
use serde_json::{json, Value};

use super::{UserChange, UserDetail};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::{
        sessions::{self, Ending},
        Admin,
    },
    domain::{time::TimeFormat, AccountStatus, Letter, Role},
    error::{AppError, OrInternal},
    profiles::service::{apply, changed_fields},
    request::{RequestContext, Via},
    server::{db::begin_write, password::PasswordHashString, AppState},
    store::{
        outbox,
        users::{self, NewUser, UserRecord},
    },
};

async fn existing(conn: &mut Tx, id: i64) -> Result<UserRecord, AppError> {
    users::record(&mut *conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// User `id` for the edit page, seen by `admin`, times as `time` reads them.
///
/// Errors: `NotFound`; `Internal` when a query fails.
pub async fn load(
    state: &AppState,
    admin: &Admin,
    id: i64,
    time: &TimeFormat,
    now: i64,
) -> Result<UserDetail, AppError> {
    let u = users::record(state.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let active_sessions = sessions::list(state.pool(), id, now).await?.len() as i64;
    let two_factor = crate::store::factors::summary(state.pool(), id)
        .await?
        .any();
    Ok(UserDetail {
        id,
        role: u.role,
        status: u.status,
        email: u.email,
        display_name: u.display_name,
        bio: u.bio,
        location: u.location,
        website: u.website,
        created: time.format(u.created_at),
        last_login: u.last_login_at.map(|t| time.format(t)),
        active_sessions,
        must_change_password: u.must_change_password,
        verified: u.email_verified_at.is_some(),
        two_factor,
        one_time_password: None,
        is_self: admin.is(id),
    })
}

/// Everything stored about user `id` but the password hash (for the JSON API).
///
/// Errors: `NotFound`; `Internal` when the query fails.
pub async fn get(state: &AppState, _admin: &Admin, id: i64) -> Result<UserRecord, AppError> {
    users::record(state.pool(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Refuses a change that would leave no active administrator: `id` is one now and would stop
/// being one.
///
/// Errors: `Conflict` at `field`.
async fn keep_an_admin(conn: &mut Tx, id: i64, field: &str) -> Result<(), AppError> {
    users::lock(conn, None, true).await?;
    if users::other_active_admins(&mut *conn, id).await? == 0 {
        return Err(AppError::conflict(field, Refusal::LastAdministrator));
    }
    Ok(())
}

/// Creates the user `row` with a profile, as `admin`, and records `user.created` (`via` the
/// console, the command line, or the API's token). Returns the new id.
///
/// Errors: `Conflict` at `email` for an email in use; `Internal` on database failures.
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    admin: &Admin,
    row: &NewUser<'_>,
    ctx: &RequestContext,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let Some(id) = users::insert(&mut tx, row, now).await? else {
        return Err(AppError::conflict("email", Refusal::EmailTaken));
    };
    let mut event = AuditEvent::new(AuditAction::UserCreated, admin.actor(), Some(id), ctx)
        .with("email", row.email)
        .with("role", row.role.as_str());
    match ctx.via {
        Via::Session => event = event.with("via", "console"),
        Via::Cli => event = event.with("via", "command line"),
        Via::Token(_) => {} // named by the event already
    }
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    Ok(id)
}

/// Applies `change` to user `id` as `admin`: profile fields, role and status. A disabled
/// user's sessions end at once, and so do the sessions of a user whose role changes. `user.updated` records each changed field as `[before,
/// after]`. Nothing is written when nothing changed.
///
/// Errors: `NotFound`; `Conflict` at `role`/`status` when an administrator would demote or
/// disable themselves or the last active administrator; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(target = id))]
pub async fn update(
    state: &AppState,
    admin: &Admin,
    id: i64,
    change: &UserChange,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let before = existing(&mut tx, id).await?;
    let own_before = before.own_fields();
    let own_after = apply(&own_before, &change.profile);
    let mut changes = changed_fields(&own_before, &own_after);
    let role = change.role.unwrap_or(before.role);
    let status = change.status.unwrap_or(before.status);
    for (field, old, new) in [
        ("role", before.role.as_str(), role.as_str()),
        ("status", before.status.as_str(), status.as_str()),
    ] {
        if old != new {
            changes.insert(field.into(), json!([old, new]));
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let demoted = before.role == Role::Admin && role != Role::Admin;
    let disabled = before.status == AccountStatus::Active && status == AccountStatus::Disabled;
    let field = if demoted { "role" } else { "status" };
    if (demoted || disabled) && admin.is(id) {
        return Err(AppError::conflict(field, Refusal::OwnAccountRole));
    }
    if before.is_active_admin() && (demoted || disabled) {
        keep_an_admin(&mut tx, id, field).await?;
    }
    users::save_own_fields(&mut tx, id, &own_after, now).await?;
    users::set_role_and_status(&mut tx, id, role, status, now).await?;
    // A disabled person's sessions end; so do those of a person whose role changes, who signs
    // in again with the new one (`shared/SECURITY.md`, Sessions: rotation on privilege change).
    if disabled || role != before.role {
        sessions::end(&mut tx, id, Ending::All).await?;
    }
    let event = AuditEvent::new(AuditAction::UserUpdated, admin.actor(), Some(id), ctx)
        .with("changes", Value::Object(changes));
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()
}

/// Ends every session of user `id` ("Sign out everywhere"), revokes their personal access
/// tokens (a credential that outlived the sign-out would defeat it), and records
/// `session.ended` by `admin`. Returns how many sessions ended.
///
/// Errors: `NotFound`; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(target = id))]
pub async fn end_all_sessions(
    state: &AppState,
    admin: &Admin,
    id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<u64, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    existing(&mut tx, id).await?;
    let ended = sessions::end(&mut tx, id, Ending::All).await?;
    let revoked = crate::auth::tokens::delete_all(&mut tx, id).await?;
    let event = AuditEvent::new(AuditAction::SessionEnded, admin.actor(), Some(id), ctx)
        .with("sessions", "all")
        .with("count", ended)
        .with("tokens_revoked", revoked);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    Ok(ended)
}

/// Gives user `id` the one-time password whose hash is `hash`: they must choose a new one at
/// their next sign-in, their sessions end and their personal access tokens are revoked. Records `user.password_reset` (never the
/// password).
///
/// Errors: `NotFound`; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(target = id))]
pub async fn reset_password(
    state: &AppState,
    admin: &Admin,
    id: i64,
    hash: &PasswordHashString,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let account = existing(&mut tx, id).await?;
    users::set_password(&mut tx, id, &hash.0, true, now).await?;
    let locale = crate::i18n::mail_locale(account.language.as_deref(), false);
    let notice = Letter::password_changed(locale, &account.email, &account.display_name, false);
    outbox::enqueue(&mut tx, &notice, Some(id), now).await?;
    let ended = sessions::end(&mut tx, id, Ending::All).await?;
    let revoked = crate::auth::tokens::delete_all(&mut tx, id).await?;
    let event = AuditEvent::new(AuditAction::PasswordReset, admin.actor(), Some(id), ctx)
        .with("sessions_ended", ended)
        .with("tokens_revoked", revoked);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok(())
}

/// Deletes user `id` as `admin`: sessions, tokens, profile and account go, and
/// `user.deleted` is recorded with the email and display name they had.
///
/// Errors: `NotFound`; `Conflict` at `confirm` for the administrator's own account or the last
/// active administrator; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(target = id))]
pub async fn delete(
    state: &AppState,
    admin: &Admin,
    id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let before = existing(&mut tx, id).await?;
    if admin.is(id) {
        return Err(AppError::conflict("confirm", Refusal::OwnAccountDelete));
    }
    if before.is_active_admin() {
        keep_an_admin(&mut tx, id, "confirm").await?;
    }
    sessions::end(&mut tx, id, Ending::All).await?;
    users::delete(&mut tx, id).await?;
    let event = AuditEvent::new(AuditAction::UserDeleted, admin.actor(), Some(id), ctx)
        .with("email", before.email)
        .with("display_name", before.display_name);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()
}

/// A random one-time password: 20 characters from a 32-letter alphabet without look-alikes
/// (100 bits from the OS random source), grouped by 5 for reading aloud.
pub fn one_time_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz23456789#";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    let letters: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    letters
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// `roster admin create`: makes an active administrator with the given email, display name and
/// password, after the same checks as sign-up (a guessable password is refused too), as the
/// operator. Returns the new id.
///
/// Errors (as a message for the terminal): a refused field, an email in use, a database
/// failure.
pub async fn create_admin_from_cli(
    state: &AppState,
    email: &str,
    display_name: &str,
    password: &str,
    now: i64,
) -> Result<i64, String> {
    use crate::server::password as pw;
    let form = super::NewUserForm {
        email: email.into(),
        display_name: display_name.into(),
        role: Role::Admin.as_str().into(),
        password: password.into(),
    };
    let user = form.parse().map_err(|errors| errors.to_string())?;
    pw::refuse_guessable(
        &user.password,
        "password",
        user.email.as_str(),
        user.display_name.as_str(),
    )
    .await
    .map_err(|e| match e {
        AppError::Validation(errors) => errors.to_string(),
        other => other.to_string(),
    })?;
    let hash = pw::hash(&user.password).await.map_err(|e| e.to_string())?;
    let ctx = RequestContext::cli();
    let id = create(state, &Admin::operator(), &user.row(&hash), &ctx, now)
        .await
        .map_err(|e| match e {
            AppError::Conflict { message, .. } => format!("email: {message}"),
            other => other.to_string(),
        })?;
    // The operator at the machine vouches for the address.
    users::set_email_verified(state.pool(), id, user.email.as_str(), now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Mails user `id` a password reset link (as "Forgot password?" would; at most three an hour
/// per address) and records `user.reset_link_sent`.
///
/// Errors: `NotFound`; `Internal` on failures.
pub async fn send_reset_link(
    state: &AppState,
    admin: &Admin,
    id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let account = users::record(state.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::links::send_reset_link(state, ctx, &account, Some(admin), now).await?;
    Ok(())
}

/// Mails user `id` a new link to confirm their address and records
/// `email.verification_sent`.
///
/// Errors: `NotFound`; `Conflict` when the address is already confirmed; `RateLimited` when it
/// had three such mails this hour; `Internal` on failures.
pub async fn resend_verification(
    state: &AppState,
    admin: &Admin,
    id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let account = users::record(state.pool(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::links::send_verification(state, ctx, &account, Some(admin), now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_long_random_and_pass_the_policy() {
        let a = one_time_password();
        let b = one_time_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert!(crate::domain::Password::parse(&a).is_ok());
    }
}
