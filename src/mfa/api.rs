//! Server functions of `/settings/security`: authorize, parse, call `mfa::service`, answer.
//! Each sends the browser back to the page with a flag, so the forms work without JavaScript.

use leptos::prelude::*;

use super::SecurityPage;
use crate::error::AppError;

/// The caller's factors, an app being set up, and recovery codes just made (once).
///
/// Errors: `Unauthorized` when signed out; `Internal` when a stored seed does not open.
#[server(prefix = "/fn", endpoint = "security")]
pub async fn get_security() -> Result<SecurityPage, AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let session = crate::auth::session::TypedSession::from_request().await?;
    let tz = r.caller.time_format(&r.ctx.client);
    super::service::page(&r.state, &me, &session, &tz, r.state.now()).await
}

/// "Set up authenticator app": a new seed to scan, then back to `/settings/security`.
///
/// Errors: `Unauthorized`; `Conflict` at `code` when an app is on already.
#[server(prefix = "/fn", endpoint = "set_up_totp")]
pub async fn set_up_totp() -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    super::service::start_totp(&r.state, &me, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SECURITY,
        "setup",
    ));
    Ok(())
}

/// "Turn on": the app's current `code` turns it on; then `/settings/security?enabled=1`, which
/// shows new recovery codes once.
///
/// Errors: `Unauthorized`; `Validation` at `code`; `RateLimited`.
#[server(prefix = "/fn", endpoint = "turn_on_totp")]
pub async fn turn_on_totp(code: String) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let session = crate::auth::session::TypedSession::from_request().await?;
    super::service::enable_totp(&r.state, &r.ctx, &me, &session, &code, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SECURITY,
        "enabled",
    ));
    Ok(())
}

/// "Turn off" (or, while setting up, "Cancel"): `confirm` is the current password, or a
/// current code while a passkey remains.
///
/// Errors: `Unauthorized`; `Validation` at `confirm`; `NotFound`; `RateLimited`.
#[server(prefix = "/fn", endpoint = "turn_off_totp")]
pub async fn turn_off_totp(#[server(default)] confirm: String) -> Result<(), AppError> {
    use super::service::{remove, Confirmation, Factor};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let confirmation = Confirmation {
        text: &confirm,
        field: "confirm",
    };
    remove(
        &r.state,
        &r.ctx,
        &me,
        Factor::Totp,
        confirmation,
        r.state.now(),
    )
    .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SECURITY,
        "turned_off",
    ));
    Ok(())
}

/// "Regenerate recovery codes": `confirm_codes` is the current password or a current code;
/// the new codes are shown once on `/settings/security?regenerated=1`.
///
/// Errors: `Unauthorized`; `Validation` at `confirm_codes`; `Conflict` without a factor.
#[server(prefix = "/fn", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(confirm_codes: String) -> Result<(), AppError> {
    use super::service::{regenerate_codes, Confirmation};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let session = crate::auth::session::TypedSession::from_request().await?;
    let confirmation = Confirmation {
        text: &confirm_codes,
        field: "confirm_codes",
    };
    regenerate_codes(&r.state, &r.ctx, &me, &session, confirmation, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SECURITY,
        "regenerated",
    ));
    Ok(())
}

/// "Remove passkey" (after "Remove" on passkey `id`): `confirm_remove` is the current
/// password, or a current code while another factor remains.
///
/// Errors: `Unauthorized`; `Validation` at `confirm_remove`; `NotFound`.
#[server(prefix = "/fn", endpoint = "remove_passkey")]
pub async fn remove_passkey(id: i64, confirm_remove: String) -> Result<(), AppError> {
    use super::service::{remove, Confirmation, Factor};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let confirmation = Confirmation {
        text: &confirm_remove,
        field: "confirm_remove",
    };
    remove(
        &r.state,
        &r.ctx,
        &me,
        Factor::Passkey(id),
        confirmation,
        r.state.now(),
    )
    .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_SECURITY,
        "removed",
    ));
    Ok(())
}
