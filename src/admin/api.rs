//! Server functions of the admin console. Each one first takes the caller's [`Admin`]
//! capability (`Unauthorized` / `Forbidden` otherwise), then parses, calls the service and
//! answers.
//!
//! [`Admin`]: crate::auth::Admin

use leptos::prelude::*;

use super::{ImportState, UserDetail, UserListQuery, UserPage};
#[cfg(feature = "ssr")]
use super::{NewUserForm, UserEditForm};
use crate::{
    audit::{AuditPage, AuditQuery},
    error::AppError,
};

/// One page of users matching `query` (search, role, status, sort, page).
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_users")]
pub async fn admin_users(query: UserListQuery) -> Result<UserPage, AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::list::users(
        &r.state,
        &admin,
        &query,
        &r.caller.time_format(&r.ctx.client),
    )
    .await
}

/// User `id` for the edit page; right after "Reset password", with the one-time password.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_user")]
pub async fn admin_user(id: i64) -> Result<UserDetail, AppError> {
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let tz = r.caller.time_format(&r.ctx.client);
    let mut user = super::users::load(&r.state, &admin, id, &tz, r.state.now()).await?;
    let shown = TypedSession::from_request()
        .await?
        .take_secret::<(i64, String)>(
            r.state.secrets(),
            Stash::OneTimePassword,
            r.state.now(),
            |(for_id, _)| *for_id == id,
        )
        .await;
    user.one_time_password = shown.map(|(_, password)| password);
    Ok(user)
}

/// Creates a user, then sends the administrator to `/admin/users/{id}?created=1`.
///
/// Errors: `Unauthorized`, `Forbidden`; `Validation` per field (sign-up's rules, a guessable
/// password too); `Conflict` at `email` for an email in use.
#[server(prefix = "/fn", endpoint = "admin_create_user")]
pub async fn admin_create_user(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::password;
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let user = NewUserForm {
        email,
        display_name,
        role,
        password,
    }
    .parse()
    .map_err(AppError::Validation)?;
    password::refuse_guessable(
        &user.password,
        "password",
        user.email.as_str(),
        user.display_name.as_str(),
    )
    .await?;
    let hash = password::hash(&user.password).await?;
    let id =
        super::users::create(&r.state, &admin, &user.row(&hash), &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "created",
    ));
    Ok(())
}

/// Saves the edit form of user `id`, then sends the administrator to
/// `/admin/users/{id}?saved=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`; `Validation` per field; `Conflict` at
/// `role` or `status` for the administrator's own account or the last active administrator.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/fn", endpoint = "admin_update_user")]
pub async fn admin_update_user(
    id: i64,
    display_name: String,
    bio: String,
    location: String,
    website: String,
    role: String,
    status: String,
) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let change = UserEditForm {
        id,
        display_name,
        bio,
        location,
        website,
        role,
        status,
    }
    .parse()
    .map_err(AppError::Validation)?;
    super::users::update(&r.state, &admin, id, &change, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "saved",
    ));
    Ok(())
}

/// Ends every session of user `id`, then sends the administrator to
/// `/admin/users/{id}?signed_out=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_sign_out_everywhere")]
pub async fn admin_sign_out_everywhere(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::users::end_all_sessions(&r.state, &admin, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "signed_out",
    ));
    Ok(())
}

/// Gives user `id` a one-time password (shown once on their page), which they must replace at
/// their next sign-in; their sessions end. Then sends the administrator to
/// `/admin/users/{id}?reset=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_reset_password")]
pub async fn admin_reset_password(id: i64) -> Result<(), AppError> {
    use crate::{
        auth::session::{Stash, TypedSession},
        domain::Password,
        error::OrInternal,
        server::password,
    };
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let one_time = super::users::one_time_password();
    let hash = password::hash(&Password::parse(&one_time).or_internal()?).await?;
    super::users::reset_password(&r.state, &admin, id, &hash, &r.ctx, r.state.now()).await?;
    TypedSession::from_request()
        .await?
        .stash_secret(
            r.state.secrets(),
            Stash::OneTimePassword,
            &(id, one_time),
            r.state.now(),
        )
        .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "reset",
    ));
    Ok(())
}

/// Deletes user `id` once `confirm` is `yes` (the confirmation step's button), then sends the
/// administrator to `/admin/users?deleted=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`; `BadRequest` without the confirmation;
/// `Conflict` for the administrator's own account or the last active administrator.
#[server(prefix = "/fn", endpoint = "admin_delete_user")]
pub async fn admin_delete_user(id: i64, confirm: String) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    if confirm != "yes" {
        return Err(AppError::BadRequest);
    }
    super::users::delete(&r.state, &admin, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::ADMIN_USERS, "deleted"));
    Ok(())
}

/// One page of audit events matching `query`, newest first.
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_audit")]
pub async fn admin_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::list::audit(
        &r.state,
        &admin,
        &query,
        &r.caller.time_format(&r.ctx.client),
    )
    .await
}

/// Checks an import (`commit` empty: a preview that writes nothing), or runs it (`commit` =
/// `yes`: only when every row is good, all rows or none). The report is kept in the
/// administrator's session and shown by `/admin/users/import?report=1`, where this sends them.
///
/// Errors: `Unauthorized`, `Forbidden`; `Conflict` when an email was taken between check and
/// import.
#[server(prefix = "/fn", endpoint = "admin_import_users")]
pub async fn admin_import_users(csv: String, commit: Option<String>) -> Result<(), AppError> {
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let mut report = super::import::check(&r.state, &admin, &csv).await?;
    if commit.as_deref() == Some("yes") && report.problems.is_empty() && !report.ready.is_empty() {
        let count = super::import::run(&r.state, &admin, &report, &r.ctx, r.state.now()).await?;
        report.imported = Some(count);
    }
    let state = ImportState {
        csv,
        report: Some(report),
    };
    TypedSession::from_request()
        .await?
        .stash(Stash::AdminImport, &state)
        .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::ADMIN_USERS_IMPORT,
        "report",
    ));
    Ok(())
}

/// The CSV and report of the administrator's last import (empty before the first).
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_import_report")]
pub async fn admin_import_report() -> Result<ImportState, AppError> {
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    r.caller.admin()?;
    Ok(TypedSession::from_request()
        .await?
        .peek::<ImportState>(Stash::AdminImport)
        .await
        .unwrap_or_default())
}

/// Mails user `id` a link to choose a new password (1 h; nothing else changes until they use
/// it), then sends the administrator to `/admin/users/{id}?link_sent=1`. An address that had
/// three reset mails this hour gets no more.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_send_reset_link")]
pub async fn admin_send_reset_link(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::users::send_reset_link(&r.state, &admin, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "link_sent",
    ));
    Ok(())
}

/// "Reset two-factor": removes every second factor and recovery code of user `id` and ends
/// their sessions (for someone who lost their device and codes), then sends the administrator
/// to `/admin/users/{id}?two_factor_reset=1`. Audited; the person is told by mail.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_reset_two_factor")]
pub async fn admin_reset_two_factor(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    crate::mfa::service::admin_reset(&r.state, &r.ctx, &admin, id, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "two_factor_reset",
    ));
    Ok(())
}

/// Mails user `id` a new link to confirm their address, then sends the administrator to
/// `/admin/users/{id}?verification_sent=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`; `Conflict` when the address is already
/// confirmed; `RateLimited` when it had three such mails this hour.
#[server(prefix = "/fn", endpoint = "admin_resend_verification")]
pub async fn admin_resend_verification(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::users::resend_verification(&r.state, &admin, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        &crate::paths::admin_user(id),
        "verification_sent",
    ));
    Ok(())
}
