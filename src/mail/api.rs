//! Server functions of `/admin/outbox`: administrators only.

use leptos::prelude::*;

use super::{OutboxPage, OutboxQuery};
use crate::error::AppError;

/// One page of the outbox for the filters in `query`.
///
/// Errors: `Unauthorized` when signed out; `Forbidden` for a non-administrator.
#[server(prefix = "/fn", endpoint = "admin_outbox")]
pub async fn admin_outbox(query: OutboxQuery) -> Result<OutboxPage, AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let email = r
        .caller
        .profile()
        .map(|p| p.email.clone())
        .unwrap_or_default();
    let tz = r.caller.time_format(&r.ctx.client);
    super::service::page(&r.state, &admin, &query, &email, &tz).await
}

/// Tries failed mail `id` again, then sends the browser to `/admin/outbox?retried=1`.
///
/// Errors: `Unauthorized`; `Forbidden`; `NotFound` when `id` is no failed mail.
#[server(prefix = "/fn", endpoint = "admin_retry_mail")]
pub async fn admin_retry_mail(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    super::service::retry(&r.state, &admin, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::ADMIN_OUTBOX,
        "retried",
    ));
    Ok(())
}

/// Writes a test mail to the administrator's own address, then sends the browser to
/// `/admin/outbox?tested=1`.
///
/// Errors: `Unauthorized`; `Forbidden`.
#[server(prefix = "/fn", endpoint = "admin_test_mail")]
pub async fn admin_test_mail() -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let admin = r.caller.admin()?;
    let to = r
        .caller
        .profile()
        .map(|p| p.email.clone())
        .ok_or(AppError::Unauthorized)?;
    super::service::send_test(&r.state, &admin, &to, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::ADMIN_OUTBOX, "tested"));
    Ok(())
}
