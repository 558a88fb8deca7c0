//! Lists of users: the filters and orders of the admin list, the export and the API's pages,
//! built with `sqlx::QueryBuilder` so every value is bound; and the `user_search` index behind
//! the text filter.

use super::users::{UserRecord, RECORD_COLUMNS};
use crate::server::db::{query, Backend, Db, Query};
use crate::{
    domain::{AccountStatus, Role, SortKey},
    error::{AppError, OrInternal},
    server::db::begin_write,
};

/// Which users a list shows: a search text and optional role and status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Matched case-insensitively as a substring of email or display name. SQLite: by the
    /// FTS5 trigram index from 3 characters on, shorter text by a scan (ASCII case only).
    /// PostgreSQL: `LIKE` on `lower(...)` through `pg_trgm` GIN indexes (which recheck every
    /// candidate, so the match is exact), any length.
    pub q: String,
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
    /// Only users whose address is confirmed (`true`) or not (`false`).
    pub verified: Option<bool>,
    /// Only users with a second factor (`true`) or without one (`false`).
    pub two_factor: Option<bool>,
}

impl ListFilter {
    fn uses_index(&self) -> bool {
        self.q.chars().count() >= 3
    }

    /// PostgreSQL with a search text: the matching ids are found first, once, by the trigram
    /// indexes (the CTE `m` of [`push_with`](Self::push_with)), and each match's user and
    /// profile are then read by primary key.
    fn matches_first(&self, backend: Backend) -> bool {
        backend == Backend::Postgres && !self.q.is_empty()
    }

    /// Starts a statement that [`push_from`](Self::push_from) or [`push_count`](Self::push_count)
    /// continues: `WITH m AS MATERIALIZED (...) ` when [`matches_first`](Self::matches_first),
    /// nothing otherwise.
    fn push_with(&self, qb: &mut Query<'_>, backend: Backend) {
        if self.matches_first(backend) {
            // Each arm is one bitmap scan of its table's trigram index.
            let pattern = contains_pattern(&self.q.to_lowercase());
            qb.push("WITH m AS MATERIALIZED (SELECT id FROM users WHERE email LIKE ")
                .push_bind(pattern.clone())
                .push(
                    " ESCAPE '\\' UNION SELECT user_id FROM profiles \
                     WHERE lower(display_name) LIKE ",
                )
                .push_bind(pattern)
                .push(" ESCAPE '\\') ");
        }
    }

    /// Appends ` FROM` the users (`u`) with their profiles (`p`) this filter lets through and
    /// its ` WHERE ...`, and says whether it wrote a `WHERE`. After
    /// [`push_with`](Self::push_with).
    fn push_from(&self, qb: &mut Query<'_>, backend: Backend) -> bool {
        if self.matches_first(backend) {
            // `OFFSET 0` keeps the planner from flattening the lookups into hash joins over
            // both whole tables, which its default costs (random_page_cost 4) prefer for
            // 1,000 matches: 34 ms instead of 9 for `seed-99` among 100,000 users.
            qb.push(
                " FROM m CROSS JOIN LATERAL (SELECT * FROM users WHERE id = m.id OFFSET 0) u \
                 CROSS JOIN LATERAL (SELECT * FROM profiles WHERE user_id = m.id OFFSET 0) p",
            );
        } else {
            qb.push(" FROM users u JOIN profiles p ON p.user_id = u.id");
        }
        self.push_where(qb, backend)
    }

    /// Whether a filter other than the search text is set.
    fn narrows(&self) -> bool {
        self.role.is_some()
            || self.status.is_some()
            || self.verified.is_some()
            || self.two_factor.is_some()
    }

    /// Appends ` WHERE ...` (nothing when the filter lets everyone through), binding each value;
    /// says whether it wrote one.
    fn push_where(&self, qb: &mut Query<'_>, backend: Backend) -> bool {
        let mut first = true;
        let mut clause = |qb: &mut Query<'_>| {
            qb.push(if first { " WHERE " } else { " AND " });
            first = false;
        };
        if self.matches_first(backend) {
            // The statement reads only the matches `m` (`push_with`).
        } else if self.uses_index() {
            clause(qb);
            // The trigram index finds a quoted phrase wherever it occurs: a substring search.
            qb.push("u.id IN (SELECT rowid FROM user_search WHERE user_search MATCH ")
                .push_bind(fts_phrase(&self.q))
                .push(")");
        } else if !self.q.is_empty() {
            clause(qb);
            let pattern = contains_pattern(&self.q.to_lowercase());
            qb.push("(u.email LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR p.display_name LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        if let Some(role) = self.role {
            clause(qb);
            qb.push("u.role = ").push_bind(role);
        }
        if let Some(status) = self.status {
            clause(qb);
            qb.push("u.status = ").push_bind(status);
        }
        if let Some(verified) = self.verified {
            clause(qb);
            qb.push(if verified {
                "u.email_verified_at IS NOT NULL"
            } else {
                "u.email_verified_at IS NULL"
            });
        }
        if let Some(two_factor) = self.two_factor {
            clause(qb);
            if !two_factor {
                qb.push("NOT ");
            }
            qb.push(crate::store::factors::HAS_SECOND_FACTOR);
        }
        !first
    }

    /// Appends the statement counting the users this filter lets through (after
    /// [`push_with`](Self::push_with)).
    fn push_count(&self, qb: &mut Query<'_>, backend: Backend) {
        if self.matches_first(backend) && !self.narrows() {
            // Every match is a user (profiles belong to users; UNION counts each once).
            qb.push("SELECT COUNT(*) FROM m");
        } else if self.matches_first(backend) {
            qb.push(
                "SELECT COUNT(*) FROM m \
                 CROSS JOIN LATERAL (SELECT * FROM users WHERE id = m.id OFFSET 0) u",
            );
            self.push_where(qb, backend);
        } else if backend == Backend::Postgres {
            qb.push("SELECT COUNT(*) FROM users u");
            self.push_where(qb, backend);
        } else if self.uses_index() && !self.narrows() {
            // The search table has exactly one row per user (kept so by triggers), so its own
            // count is the users' count, without joining 1,000s of matches back to `users`.
            qb.push("SELECT COUNT(*) FROM user_search WHERE user_search MATCH ")
                .push_bind(fts_phrase(&self.q));
        } else if !self.q.is_empty() && !self.uses_index() {
            // Only the scan reads the display name; otherwise every user has a profile, and
            // counting an index of users alone is ~5 ms at 100,000 rather than ~40.
            qb.push("SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id");
            self.push_where(qb, backend);
        } else {
            qb.push("SELECT COUNT(*) FROM users u");
            self.push_where(qb, backend);
        }
    }
}

/// `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` in it taken literally
/// (`ESCAPE '\'`).
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An FTS5 query matching `text` literally as one phrase (quotes doubled, so no operator in
/// `text` takes effect).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The order of a list: a column, ascending or descending, ties broken by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListOrder {
    pub column: SortKey,
    pub desc: bool,
}

impl ListOrder {
    fn push(self, qb: &mut Query<'_>, backend: Backend) {
        let column = match self.column {
            SortKey::Name if backend == Backend::Postgres => "lower(p.display_name)",
            SortKey::Name => "p.display_name COLLATE NOCASE",
            SortKey::Email => "u.email",
            SortKey::Role => "u.role",
            SortKey::Status => "u.status",
            SortKey::Created => "u.created_at",
            SortKey::LastLogin => "u.last_login_at",
        };
        let dir = if self.desc { "DESC" } else { "ASC" };
        // The tie-breaker is the id column of the sort's index, so SQLite walks the index in
        // order instead of sorting (profiles_display_name ends in user_id, the users indexes
        // in id).
        let id = if self.column == SortKey::Name {
            "p.user_id"
        } else {
            "u.id"
        };
        qb.push(format!(" ORDER BY {column} {dir}, {id} {dir}"));
    }
}

/// One user as lists and exports show them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    /// The address is confirmed.
    pub email_verified: bool,
    /// The account has a second factor.
    pub two_factor: bool,
    /// The total the filter lets through (on the rows of a page only).
    #[sqlx(default)]
    pub total: i64,
}

/// The columns of a [`ListRow`] (its `two_factor` is [`crate::store::factors::HAS_SECOND_FACTOR`]).
fn list_columns() -> String {
    format!(
        "u.id, p.display_name, u.email, u.role, u.status, u.created_at, u.last_login_at, \
         (u.email_verified_at IS NOT NULL) AS email_verified, {} AS two_factor",
        crate::store::factors::HAS_SECOND_FACTOR
    )
}

/// One page of a list: `limit` rows from `offset` on, and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub rows: Vec<ListRow>,
    pub total: i64,
    /// The 1-based page the rows are (a page past the end is answered with the last one).
    pub page: u32,
}

/// Page `page` (1-based, `per_page` rows) of the users `filter` lets through in `order`, with
/// the total. A page past the end is answered with the last page.
///
/// The total is a column of the page's own statement (an uncorrelated subquery, run once):
/// one round trip to the database thread instead of two. Only a page past the end needs the
/// count alone, to find the last page.
///
/// Errors: `Internal` when a query fails.
pub async fn list_page(
    pool: &Db,
    filter: &ListFilter,
    order: ListOrder,
    page: u32,
    per_page: u32,
) -> Result<ListPage, AppError> {
    let backend = pool.backend();
    let fetch = |page: u32| {
        let mut qb = query("");
        filter.push_with(&mut qb, backend);
        qb.push(format!("SELECT {}, (", list_columns()));
        filter.push_count(&mut qb, backend);
        qb.push(") AS total");
        filter.push_from(&mut qb, backend);
        order.push(&mut qb, backend);
        qb.push(" LIMIT ")
            .push_bind(i64::from(per_page))
            .push(" OFFSET ")
            .push_bind(i64::from(page - 1) * i64::from(per_page));
        qb
    };
    let mut page = page.max(1);
    let mut rows: Vec<ListRow> = fetch(page).fetch_all(pool).await.or_internal()?;
    let total = match rows.first() {
        Some(row) => row.total,
        // Page 1 is empty only when nothing matches.
        None if page == 1 => 0,
        None => {
            let mut qb = query("");
            filter.push_with(&mut qb, backend);
            filter.push_count(&mut qb, backend);
            let total: i64 = qb.scalar(pool).await.or_internal()?;
            let last = last_page(total, per_page);
            if last < page {
                page = last;
                rows = fetch(page).fetch_all(pool).await.or_internal()?;
            }
            total
        }
    };
    Ok(ListPage { rows, total, page })
}

/// The number of the last page of a list of `total` rows, `per_page` a page (1 for an empty
/// list).
pub fn last_page(total: i64, per_page: u32) -> u32 {
    (total.max(1) as u64).div_ceil(u64::from(per_page.max(1))) as u32
}

/// Every user `filter` lets through, in `order`, as a statement to stream
/// ([`Listed::fetch`]): exports read it row by row, never whole in memory.
pub fn listed(filter: &ListFilter, order: ListOrder) -> Listed {
    Listed {
        filter: filter.clone(),
        order,
        statement: None,
    }
}

/// A statement made by [`listed`], built for its backend when fetched.
pub struct Listed {
    filter: ListFilter,
    order: ListOrder,
    statement: Option<Query<'static>>,
}

impl Listed {
    /// The rows, one at a time.
    pub fn fetch<'a>(
        &'a mut self,
        pool: &'a Db,
    ) -> futures_util::stream::BoxStream<'a, Result<ListRow, sqlx::Error>> {
        let backend = pool.backend();
        let mut qb = query("");
        self.filter.push_with(&mut qb, backend);
        qb.push(format!("SELECT {}", list_columns()));
        self.filter.push_from(&mut qb, backend);
        self.order.push(&mut qb, backend);
        self.statement.insert(qb).fetch(pool)
    }
}

/// Up to `limit` users `filter` lets through with an id above `after`, in id order, and
/// whether more follow. Keyset pagination: users added meanwhile get higher ids, so a walk
/// through the pages sees every user that existed when it began exactly once.
///
/// Errors: `Internal` when the query fails.
pub async fn records_after(
    pool: &Db,
    filter: &ListFilter,
    after: i64,
    limit: u32,
) -> Result<(Vec<UserRecord>, bool), AppError> {
    let mut qb = query("");
    filter.push_with(&mut qb, pool.backend());
    qb.push(format!("SELECT {RECORD_COLUMNS}"));
    let narrowed = filter.push_from(&mut qb, pool.backend());
    qb.push(if narrowed { " AND " } else { " WHERE " });
    qb.push("u.id > ")
        .push_bind(after)
        .push(" ORDER BY u.id LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let mut rows: Vec<UserRecord> = qb.fetch_all(pool).await.or_internal()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Pages the admin search index may write per step of [`merge_search_index`]: about 0.1 s of
/// work, the longest a writer waits on it.
const SEARCH_MERGE_PAGES: i64 = 200;

/// Merges the user search index (`user_search`, FTS5 trigram) into a single b-tree, one
/// bounded step ([`SEARCH_MERGE_PAGES`] pages) per write transaction, so other writers wait at
/// most one step (SQLite only; on PostgreSQL there is nothing to merge). Inserts add small segments that FTS5 merges only in part (its `automerge`),
/// and every search reads every segment: at 100,000 seeded users, counting the matches of
/// `seed-99` took 3.4 ms before and 0.7 ms after. Returns the number of steps that did work
/// (0 when the index was already one b-tree). The `merge` command with a negative page count
/// and the `total_changes()` test for "work done" are as documented at
/// <https://sqlite.org/fts5.html#the_merge_command>.
///
/// Errors: `Internal` when a step fails; the steps before it stay done.
pub async fn merge_search_index(pool: &Db) -> Result<u32, AppError> {
    if pool.backend() == Backend::Postgres {
        // GIN indexes keep no segments to merge (autovacuum cleans their pending lists).
        return Ok(0);
    }
    let mut steps = 0;
    loop {
        let mut tx = begin_write(pool).await?;
        let before: i64 = query("SELECT total_changes()")
            .scalar(&mut tx)
            .await
            .or_internal()?;
        query("INSERT INTO user_search (user_search, rank) VALUES ('merge', $1)")
            .bind(-SEARCH_MERGE_PAGES)
            .execute(&mut tx)
            .await
            .or_internal()?;
        let after: i64 = query("SELECT total_changes()")
            .scalar(&mut tx)
            .await
            .or_internal()?;
        tx.commit().await.or_internal()?;
        if after - before < 2 {
            return Ok(steps);
        }
        steps += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(fts_phrase(r#"a" OR "b"#), r#""a"" OR ""b""#);
        assert_eq!(contains_pattern("ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    fn sql(filter: &ListFilter) -> String {
        sql_on(filter, Backend::Sqlite)
    }

    fn sql_on(filter: &ListFilter, backend: Backend) -> String {
        let mut qb = query("");
        filter.push_where(&mut qb, backend);
        qb.sql().to_string()
    }

    #[test]
    fn filters_bind_every_value() {
        assert_eq!(sql(&ListFilter::default()), "");
        let all = ListFilter {
            q: "ann".into(),
            role: Some(Role::Admin),
            status: Some(AccountStatus::Active),
            verified: None,
            two_factor: None,
        };
        let text = sql(&all);
        assert!(text.starts_with(" WHERE u.id IN (SELECT rowid"), "{text}");
        assert!(text.contains(" AND u.role = ") && text.contains(" AND u.status = "));
        assert!(!text.contains("ann") && !text.contains("admin"), "{text}");
        let short = sql(&ListFilter {
            q: "an".into(),
            ..Default::default()
        });
        assert!(short.contains("LIKE"), "{short}");
    }

    /// PostgreSQL finds a search's matches once (the CTE), reads each match's user and profile
    /// by key, and counts the CTE itself unless another filter narrows it; text stays bound.
    #[test]
    fn postgres_searches_read_the_matches_first() {
        let pg = Backend::Postgres;
        let search = ListFilter {
            q: "ann%".into(),
            ..Default::default()
        };
        let mut qb = query("");
        search.push_with(&mut qb, pg);
        qb.push("SELECT u.id");
        assert!(!search.push_from(&mut qb, pg), "no WHERE: m is the filter");
        let text = qb.sql().to_string();
        assert!(
            text.starts_with("WITH m AS MATERIALIZED (SELECT id FROM users"),
            "{text}"
        );
        assert!(text.contains("FROM m CROSS JOIN LATERAL") && text.contains("OFFSET 0) p"));
        assert!(!text.contains("ann"), "{text}");

        let count = |filter: &ListFilter| {
            let mut qb = query("");
            filter.push_count(&mut qb, pg);
            qb.sql().to_string()
        };
        assert_eq!(count(&search), "SELECT COUNT(*) FROM m");
        let admins = ListFilter {
            role: Some(Role::Admin),
            ..search.clone()
        };
        let text = count(&admins);
        assert!(
            text.starts_with("SELECT COUNT(*) FROM m CROSS JOIN LATERAL"),
            "{text}"
        );
        assert!(text.ends_with(" WHERE u.role = $1"), "{text}");
        assert_eq!(
            count(&ListFilter::default()),
            "SELECT COUNT(*) FROM users u",
            "no search text: no CTE"
        );
    }

    #[test]
    fn pages_round_up() {
        assert_eq!(last_page(0, 50), 1);
        assert_eq!(last_page(50, 50), 1);
        assert_eq!(last_page(51, 50), 2);
    }
}
