//! The admin console's lists: users (search, filters, sort, pages) and the audit trail.

use std::collections::HashMap;

use super::{UserListQuery, UserPage, UserRow, PAGE_SIZE};
use crate::{
    audit::{
        query::{self as audit, AuditFilter},
        AuditAction, AuditPage, AuditQuery, AuditRow,
    },
    auth::Admin,
    domain::time::TimeFormat,
    error::AppError,
    server::AppState,
    store::{user_list, users},
};

/// One page ([`PAGE_SIZE`] rows) of the users matching `query`, with the total, times in
/// `time`'s zone and language. A page past the end is answered with the last page.
///
/// Errors: `Internal` when a query fails.
pub async fn users(
    state: &AppState,
    _admin: &Admin,
    query: &UserListQuery,
    time: &TimeFormat,
) -> Result<UserPage, AppError> {
    let page = user_list::list_page(
        state.pool(),
        &query.filter(),
        query.order(),
        query.page,
        PAGE_SIZE,
    )
    .await?;
    let rows = page
        .rows
        .into_iter()
        .map(|row| UserRow {
            id: row.id,
            role: row.role,
            status: row.status,
            display_name: row.display_name,
            email: row.email,
            created: time.format(row.created_at),
            last_login: row.last_login_at.map(|t| time.format(t)),
            verified: row.email_verified,
            two_factor: row.two_factor,
        })
        .collect();
    Ok(UserPage {
        rows,
        total: page.total,
        page: page.page,
        pages: user_list::last_page(page.total, PAGE_SIZE),
    })
}

/// Up to `limit` users `filter` lets through with an id above `after`, in id order, and
/// whether more follow (the JSON API's keyset pages: a walk through them sees every user that
/// existed when it began exactly once).
///
/// Errors: `Internal` when the query fails.
pub async fn users_after(
    state: &AppState,
    _admin: &Admin,
    filter: &user_list::ListFilter,
    after: i64,
    limit: u32,
) -> Result<(Vec<users::UserRecord>, bool), AppError> {
    user_list::records_after(state.pool(), filter, after, limit).await
}

/// A user filter of the audit page: a user id (`7` or `#7`), or the id of the account with
/// that email. `Some(None)` when no account matches (the filter then matches nothing).
async fn user_filter(state: &AppState, text: &str) -> Result<Option<Option<i64>>, AppError> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
        return Ok(Some(Some(id)));
    }
    Ok(Some(
        users::id_by_email(state.pool(), &text.to_lowercase()).await?,
    ))
}

/// One page ([`crate::audit::PAGE_SIZE`]) of audit events matching `query`, newest first,
/// actors and targets by email (`#id` once deleted), times as `time` reads them.
///
/// Errors: `Internal` when a query fails.
pub async fn audit(
    state: &AppState,
    _admin: &Admin,
    query: &AuditQuery,
    time: &TimeFormat,
) -> Result<AuditPage, AppError> {
    let filter = AuditFilter {
        actor: user_filter(state, &query.actor).await?,
        target: user_filter(state, &query.target).await?,
        action: (!query.action.is_empty()).then(|| query.action.clone()),
        from: audit::day_start(&query.from),
        until: audit::day_start(&query.to).map(|day| day + 24 * 3600),
    };
    let per_page = crate::audit::PAGE_SIZE;
    let (records, total, page) = audit::page(state.pool(), &filter, query.page, per_page).await?;
    let mut ids: Vec<i64> = records
        .iter()
        .flat_map(|r| [r.actor_user_id, r.target_user_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let emails: HashMap<i64, String> = users::emails(state.pool(), &ids).await?;
    let who = |id: Option<i64>| match id {
        Some(id) => emails.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        None => "—".to_string(),
    };
    let rows = records
        .into_iter()
        .map(|r| AuditRow {
            id: r.id,
            occurred: time.format(r.occurred_at),
            actor: who(r.actor_user_id),
            target: r.target_user_id.map_or_else(String::new, |t| who(Some(t))),
            action: r.action,
            ip: r.ip.unwrap_or_default(),
            details: r.details,
        })
        .collect();
    Ok(AuditPage {
        rows,
        total,
        page,
        pages: user_list::last_page(total, per_page),
        actions: AuditAction::ALL
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
    })
}
