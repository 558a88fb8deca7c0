//! Server functions of the admin console. Each one first checks, on the server, that the
//! caller is a signed-in active administrator (`Unauthorized` / `Forbidden` otherwise).

use leptos::prelude::*;

use super::{AuditPage, AuditQuery, ImportState, UserDetail, UserListQuery, UserPage};
#[cfg(feature = "ssr")]
use super::{NewUserForm, UserEditForm};
use crate::error::AppError;

/// The administrator's id and time zone.
#[cfg(feature = "ssr")]
async fn admin() -> Result<(i64, String, crate::server::AppState), AppError> {
    let admin = crate::auth::ssr::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let time_zone = crate::auth::ssr::caller_viewer(&state.pool, admin)
        .await?
        .map(|v| v.time_zone)
        .unwrap_or_else(|| "UTC".into());
    Ok((admin, time_zone, state))
}

/// Session key of the one-time password just made by "Reset password": `(user id, password)`.
/// Kept only until the next load of that user's page, so it is shown once, with or without
/// JavaScript.
#[cfg(feature = "ssr")]
const ONE_TIME_PASSWORD_KEY: &str = "admin_one_time_password";

/// One page of users matching `query` (search, role, status, sort, page).
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_users")]
pub async fn admin_users(query: UserListQuery) -> Result<UserPage, AppError> {
    let (_, time_zone, state) = admin().await?;
    super::ssr::list_users(&state.pool, &query, &time_zone).await
}

/// User `id` for the edit page; right after "Reset password", with the one-time password.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_user")]
pub async fn admin_user(id: i64) -> Result<UserDetail, AppError> {
    let (admin, time_zone, state) = admin().await?;
    let mut user = super::ssr::load_user(&state.pool, admin, id, &time_zone, state.now()).await?;
    let session = crate::auth::ssr::session().await?;
    if let Ok(Some((for_id, password))) = session.get::<(i64, String)>(ONE_TIME_PASSWORD_KEY).await
    {
        if for_id == id {
            let _ = session.remove_value(ONE_TIME_PASSWORD_KEY).await;
            user.one_time_password = Some(password);
        }
    }
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
    let (admin, _, state) = admin().await?;
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
        super::ssr::create_user(&state.pool, Some(admin), &user.row(&hash), state.now()).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?created=1"));
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
    let (admin, _, state) = admin().await?;
    let edit = UserEditForm {
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
    super::ssr::update_user(&state.pool, admin, id, &edit).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?saved=1"));
    Ok(())
}

/// Ends every session of user `id`, then sends the administrator to
/// `/admin/users/{id}?signed_out=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_sign_out_everywhere")]
pub async fn admin_sign_out_everywhere(id: i64) -> Result<(), AppError> {
    let (admin, _, state) = admin().await?;
    super::ssr::end_all_sessions(&state.pool, admin, id).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?signed_out=1"));
    Ok(())
}

/// Gives user `id` a one-time password (shown once on their page), which they must replace at
/// their next sign-in; their sessions end. Then sends the administrator to
/// `/admin/users/{id}?reset=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`.
#[server(prefix = "/fn", endpoint = "admin_reset_password")]
pub async fn admin_reset_password(id: i64) -> Result<(), AppError> {
    use crate::{domain::Password, server::password};
    let (admin, _, state) = admin().await?;
    let one_time = super::ssr::one_time_password();
    let parsed = Password::parse(&one_time).map_err(crate::error::internal)?;
    let hash = password::hash(&parsed).await?;
    super::ssr::reset_password(&state.pool, admin, id, &hash).await?;
    crate::auth::ssr::session()
        .await?
        .insert(ONE_TIME_PASSWORD_KEY, (id, one_time))
        .await
        .map_err(crate::error::internal)?;
    leptos_axum::redirect(&format!("/admin/users/{id}?reset=1"));
    Ok(())
}

/// Deletes user `id` once `confirm` is `yes` (the confirmation step's button), then sends the
/// administrator to `/admin/users?deleted=1`.
///
/// Errors: `Unauthorized`, `Forbidden`, `NotFound`; `BadRequest` without the confirmation;
/// `Conflict` for the administrator's own account or the last active administrator.
#[server(prefix = "/fn", endpoint = "admin_delete_user")]
pub async fn admin_delete_user(id: i64, confirm: String) -> Result<(), AppError> {
    let (admin, _, state) = admin().await?;
    if confirm != "yes" {
        return Err(AppError::BadRequest);
    }
    super::ssr::delete_user(&state.pool, admin, id).await?;
    leptos_axum::redirect("/admin/users?deleted=1");
    Ok(())
}

/// One page of audit events matching `query`, newest first.
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_audit")]
pub async fn admin_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    let (_, time_zone, state) = admin().await?;
    super::ssr::list_audit(&state.pool, &query, &time_zone).await
}

/// Session key of the last import's CSV and report ([`ImportState`]).
#[cfg(feature = "ssr")]
const IMPORT_KEY: &str = "admin_import";

/// Checks an import (`commit` empty: a preview that writes nothing), or runs it (`commit` =
/// `yes`: only when every row is good, all rows or none). The report is kept in the
/// administrator's session and shown by `/admin/users/import?report=1`, where this sends them.
///
/// Errors: `Unauthorized`, `Forbidden`; `Conflict` when an email was taken between check and
/// import.
#[server(prefix = "/fn", endpoint = "admin_import_users")]
pub async fn admin_import_users(csv: String, commit: Option<String>) -> Result<(), AppError> {
    let (admin, _, state) = admin().await?;
    let mut report = super::ssr::check_import(&state.pool, &csv).await?;
    if commit.as_deref() == Some("yes") && report.problems.is_empty() && !report.ready.is_empty() {
        let count = super::ssr::run_import(&state.pool, admin, &report, state.now()).await?;
        report.imported = Some(count);
    }
    crate::auth::ssr::session()
        .await?
        .insert(
            IMPORT_KEY,
            ImportState {
                csv,
                report: Some(report),
            },
        )
        .await
        .map_err(crate::error::internal)?;
    leptos_axum::redirect("/admin/users/import?report=1");
    Ok(())
}

/// The CSV and report of the administrator's last import (empty before the first).
///
/// Errors: `Unauthorized`, `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_import_report")]
pub async fn admin_import_report() -> Result<ImportState, AppError> {
    admin().await?;
    let session = crate::auth::ssr::session().await?;
    Ok(session
        .get::<ImportState>(IMPORT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default())
}
