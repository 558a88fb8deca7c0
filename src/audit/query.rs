//! Reading the audit trail back: a filtered page for `/admin/audit`, and every event about one
//! person for their data export. Events name users by id only (the trail outlives accounts);
//! callers that show emails look them up in the users store.

use crate::error::{AppError, OrInternal};
use crate::server::db::{query, Db, Ex, Query};

/// One stored event. `occurred_at` is Unix seconds, UTC; `details` a JSON object as text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub target_user_id: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: String,
}

const COLUMNS: &str =
    "id, occurred_at, actor_user_id, action, target_user_id, ip, user_agent, details";

/// Which events a page shows. `None` lets everything through; `Some(None)` for a user filter
/// matches nothing (a filter naming an account that does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<Option<i64>>,
    pub target: Option<Option<i64>>,
    pub action: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
}

impl AuditFilter {
    fn push_where(&self, qb: &mut Query<'_>) {
        let nothing = matches!(self.actor, Some(None)) || matches!(self.target, Some(None));
        if nothing {
            qb.push(" WHERE FALSE");
            return;
        }
        qb.push(" WHERE TRUE");
        if let Some(Some(id)) = self.actor {
            qb.push(" AND actor_user_id = ").push_bind(id);
        }
        if let Some(Some(id)) = self.target {
            qb.push(" AND target_user_id = ").push_bind(id);
        }
        if let Some(action) = &self.action {
            qb.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(from) = self.from {
            qb.push(" AND occurred_at >= ").push_bind(from);
        }
        if let Some(until) = self.until {
            qb.push(" AND occurred_at < ").push_bind(until);
        }
    }
}

/// Page `page` (1-based, clamped to the last) of `per_page` events matching `filter`, newest
/// first, with the total and the page it is.
///
/// Errors: `Internal` when a query fails.
pub async fn page(
    pool: &Db,
    filter: &AuditFilter,
    page: u32,
    per_page: u32,
) -> Result<(Vec<AuditRecord>, i64, u32), AppError> {
    let mut count = query("SELECT COUNT(*) FROM audit_events");
    filter.push_where(&mut count);
    let total: i64 = count.scalar(pool).await.or_internal()?;
    let pages = (total.max(1) as u64).div_ceil(u64::from(per_page)) as u32;
    let page = page.clamp(1, pages);
    let mut rows = query(format!("SELECT {COLUMNS} FROM audit_events"));
    filter.push_where(&mut rows);
    rows.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(per_page))
        .push(" OFFSET ")
        .push_bind(i64::from(page - 1) * i64::from(per_page));
    let rows = rows.fetch_all(pool).await.or_internal()?;
    Ok((rows, total, page))
}

/// Every event done by or to user `user_id`, oldest first (their data export).
///
/// Errors: `Internal` when the query fails.
pub async fn about(db: impl Into<Ex<'_>>, user_id: i64) -> Result<Vec<AuditRecord>, AppError> {
    query(format!(
        "SELECT {COLUMNS} FROM audit_events WHERE actor_user_id = $1 OR target_user_id = $1 \
         ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
    .or_internal()
}

/// Unix seconds of midnight UTC starting `date` (`YYYY-MM-DD`), if it is one.
pub fn day_start(date: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(filter: &AuditFilter) -> String {
        let mut qb = query("");
        filter.push_where(&mut qb);
        qb.sql().to_string()
    }

    #[test]
    fn filters_become_bound_clauses() {
        assert_eq!(sql(&AuditFilter::default()), " WHERE TRUE");
        let f = AuditFilter {
            actor: Some(Some(3)),
            action: Some("logout".into()),
            until: Some(10),
            ..Default::default()
        };
        assert_eq!(
            sql(&f),
            " WHERE TRUE AND actor_user_id = $1 AND action = $2 AND occurred_at < $3"
        );
        let none = AuditFilter {
            target: Some(None),
            ..Default::default()
        };
        assert_eq!(sql(&none), " WHERE FALSE");
    }

    #[test]
    fn dates_are_utc_midnights() {
        assert_eq!(day_start("2026-01-15"), Some(1_768_435_200));
        assert_eq!(day_start("15/01/2026"), None);
    }
}
