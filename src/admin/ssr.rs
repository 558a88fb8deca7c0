//! Server-only queries of the admin console. Each change and its audit event are written in one
//! transaction, so there is never one without the other (`shared/SECURITY.md`, Errors and
//! logs).

use serde_json::{json, Map, Value};
use sqlx::{SqliteConnection, SqlitePool};

use super::{SortKey, UserDetail, UserEdit, UserListQuery, UserPage, UserRow, PAGE_SIZE};
use crate::{
    audit::{
        ssr::{self as audit, AuditEvent},
        AuditAction,
    },
    auth::{
        sessions::{self, Ending},
        ssr::{insert_user, NewUserRow},
    },
    domain::{AccountStatus, Role},
    error::{internal, AppError},
    profiles::ssr::format_time,
    server::password::PasswordHashString,
};

/// `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` in it taken literally
/// (`ESCAPE '\'`).
fn contains_pattern(text: &str) -> String {
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

/// The `WHERE` clause of the user list and its bound values, shared by the page and the count.
pub(crate) fn list_filter(query: &UserListQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    if query.q.chars().count() >= 3 {
        // The trigram index finds a quoted phrase wherever it occurs: a substring search.
        clauses.push("u.id IN (SELECT rowid FROM user_search WHERE user_search MATCH ?)");
        binds.push(fts_phrase(&query.q));
    } else if !query.q.is_empty() {
        // Shorter than a trigram: scan (still case-insensitive for ASCII).
        clauses.push("(u.email LIKE ? ESCAPE '\\' OR p.display_name LIKE ? ESCAPE '\\')");
        let pattern = contains_pattern(&query.q.to_lowercase());
        binds.push(pattern.clone());
        binds.push(pattern);
    }
    if let Some(role) = query.role {
        clauses.push("u.role = ?");
        binds.push(role.as_str().to_string());
    }
    if let Some(status) = query.status {
        clauses.push("u.status = ?");
        binds.push(status.as_str().to_string());
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (filter, binds)
}

fn order_by(query: &UserListQuery) -> String {
    let column = match query.sort {
        SortKey::Name => "p.display_name COLLATE NOCASE",
        SortKey::Email => "u.email",
        SortKey::Role => "u.role",
        SortKey::Status => "u.status",
        SortKey::Created => "u.created_at",
        SortKey::LastLogin => "u.last_login_at",
    };
    let dir = if query.desc { "DESC" } else { "ASC" };
    // The tie-breaker is the id column of the sort's index, so SQLite walks the index in order
    // instead of sorting (profiles_display_name ends in user_id, the users indexes in id).
    let id = if query.sort == SortKey::Name {
        "p.user_id"
    } else {
        "u.id"
    };
    format!("ORDER BY {column} {dir}, {id} {dir}")
}

/// A row of the user list and, last, the total of the whole list.
type UserRowTuple = (i64, String, String, String, String, i64, Option<i64>, i64);

/// One page ([`PAGE_SIZE`] rows) of the users matching `query`, with the total, times in
/// `time_zone`. A page past the end is answered with the last page.
///
/// The total is a column of the page's own statement (an uncorrelated subquery, run once):
/// one round trip to the database thread instead of two. Only a page past the end needs the
/// count alone, to find the last page.
///
/// Errors: `Internal` when a query fails.
pub async fn list_users(
    pool: &SqlitePool,
    query: &UserListQuery,
    time_zone: &str,
) -> Result<UserPage, AppError> {
    let (filter, binds) = list_filter(query);
    // Every user has a profile, so the count needs the join only when the filter reads the
    // display name; without it SQLite counts an index of users (100,000 rows: ~5 ms, not ~40).
    let count_sql =
        if query.q.chars().count() >= 3 && query.role.is_none() && query.status.is_none() {
            // The search table has exactly one row per user (kept so by triggers), so its own
            // count is the users' count, without joining 1,000s of matches back to `users`.
            "SELECT COUNT(*) FROM user_search WHERE user_search MATCH ?".to_string()
        } else if filter.contains("p.") {
            format!("SELECT COUNT(*) FROM users u JOIN profiles p ON p.user_id = u.id {filter}")
        } else {
            format!("SELECT COUNT(*) FROM users u {filter}")
        };
    let page_sql = format!(
        "SELECT u.id, p.display_name, u.email, u.role, u.status, u.created_at, u.last_login_at, \
         ({count_sql}) FROM users u JOIN profiles p ON p.user_id = u.id {filter} {} \
         LIMIT ? OFFSET ?",
        order_by(query)
    );
    let fetch_page = |page: u32| {
        let mut rows = sqlx::query_as::<_, UserRowTuple>(&page_sql);
        // The count's placeholders come first in the text, then the filter's.
        for b in binds.iter().chain(&binds) {
            rows = rows.bind(b);
        }
        rows.bind(i64::from(PAGE_SIZE))
            .bind(i64::from(page - 1) * i64::from(PAGE_SIZE))
            .fetch_all(pool)
    };
    let mut page = query.page.max(1);
    let mut rows = fetch_page(page).await.map_err(internal)?;
    let total = match rows.first() {
        Some(row) => row.7,
        // Page 1 is empty only when nothing matches.
        None if page == 1 => 0,
        None => {
            let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
            for b in &binds {
                count = count.bind(b);
            }
            let total = count.fetch_one(pool).await.map_err(internal)?;
            let last = last_page(total);
            if last < page {
                page = last;
                rows = fetch_page(page).await.map_err(internal)?;
            }
            total
        }
    };
    let rows = rows
        .into_iter()
        .map(
            |(id, display_name, email, role, status, created_at, last_login_at, _)| UserRow {
                id,
                display_name,
                email,
                role: Role::parse(&role).unwrap_or_default(),
                status: AccountStatus::parse(&status).unwrap_or_default(),
                created: format_time(created_at, time_zone),
                last_login: last_login_at.map(|t| format_time(t, time_zone)),
            },
        )
        .collect();
    Ok(UserPage {
        rows,
        total,
        page,
        pages: last_page(total),
    })
}

/// The number of the last page of a list of `total` rows (1 for an empty list).
fn last_page(total: i64) -> u32 {
    (total.max(1) as u64).div_ceil(u64::from(PAGE_SIZE)) as u32
}

#[derive(sqlx::FromRow)]
struct UserRecord {
    email: String,
    display_name: String,
    bio: String,
    location: String,
    website: String,
    role: String,
    status: String,
    created_at: i64,
    last_login_at: Option<i64>,
    must_change_password: bool,
}

async fn user_record(conn: &mut SqliteConnection, id: i64) -> Result<UserRecord, AppError> {
    sqlx::query_as::<_, UserRecord>(
        "SELECT u.email, p.display_name, p.bio, p.location, p.website, u.role, u.status, \
         u.created_at, u.last_login_at, u.must_change_password \
         FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)
}

/// User `id` for the edit page, seen by administrator `admin`, times in `time_zone`.
///
/// Errors: `NotFound`; `Internal` when a query fails.
pub async fn load_user(
    pool: &SqlitePool,
    admin: i64,
    id: i64,
    time_zone: &str,
    now: i64,
) -> Result<UserDetail, AppError> {
    let mut conn = pool.acquire().await.map_err(internal)?;
    let u = user_record(&mut conn, id).await?;
    let active_sessions = sessions::list(pool, id, now).await?.len() as i64;
    Ok(UserDetail {
        id,
        email: u.email,
        display_name: u.display_name,
        bio: u.bio,
        location: u.location,
        website: u.website,
        role: Role::parse(&u.role).unwrap_or_default(),
        status: AccountStatus::parse(&u.status).unwrap_or_default(),
        created: format_time(u.created_at, time_zone),
        last_login: u.last_login_at.map(|t| format_time(t, time_zone)),
        active_sessions,
        must_change_password: u.must_change_password,
        one_time_password: None,
        is_self: admin == id,
    })
}

/// Refuses a change that would leave no active administrator: `id` is one now and would stop
/// being one.
///
/// Errors: `Conflict` at `field`.
async fn keep_an_admin(conn: &mut SqliteConnection, id: i64, field: &str) -> Result<(), AppError> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> ?",
    )
    .bind(id)
    .fetch_one(conn)
    .await
    .map_err(internal)?;
    if others == 0 {
        return Err(AppError::Conflict {
            field: field.into(),
            message: "This is the last active administrator; make someone else one first.".into(),
        });
    }
    Ok(())
}

/// Creates the user `row` with a profile, as administrator `admin` (`None`: the command
/// line), and records `user.created`. Returns the new id.
///
/// Errors: `Conflict` at `email` for an email in use; `Internal` on database failures.
pub async fn create_user(
    pool: &SqlitePool,
    admin: Option<i64>,
    row: &NewUserRow<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let Some(id) = insert_user(&mut tx, row, now).await? else {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "An account with this email already exists.".into(),
        });
    };
    let mut event = AuditEvent::new(AuditAction::UserCreated, admin, Some(id))
        .with("email", row.email)
        .with("role", row.role.as_str());
    if !event.details.contains_key("via") {
        let via = if admin.is_some() {
            "console"
        } else {
            "command line"
        };
        event = event.with("via", via);
    }
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok(id)
}

/// Applies `edit` to user `id` as administrator `admin`: profile fields, role and status. A
/// disabled user's sessions end at once. `user.updated` records each changed field as
/// `[before, after]`. Nothing is written when nothing changed.
///
/// Errors: `NotFound`; `Conflict` at `role`/`status` when an administrator would demote or
/// disable themselves or the last active administrator; `Internal` on database failures.
pub async fn update_user(
    pool: &SqlitePool,
    admin: i64,
    id: i64,
    edit: &UserEdit,
) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let before = user_record(&mut tx, id).await?;
    let mut changes = Map::new();
    let mut note = |field: &str, old: &str, new: &str| {
        if old != new {
            changes.insert(field.into(), json!([old, new]));
        }
    };
    let p = &edit.profile;
    note(
        "display_name",
        &before.display_name,
        p.display_name.as_str(),
    );
    note("bio", &before.bio, p.bio.as_str());
    note("location", &before.location, p.location.as_str());
    note("website", &before.website, p.website.as_str());
    note("role", &before.role, edit.role.as_str());
    note("status", &before.status, edit.status.as_str());
    if changes.is_empty() {
        return Ok(());
    }
    let demoted = before.role == "admin" && edit.role != Role::Admin;
    let disabled = before.status == "active" && edit.status == AccountStatus::Disabled;
    if (demoted || disabled) && id == admin {
        return Err(AppError::Conflict {
            field: if demoted { "role" } else { "status" }.into(),
            message: "You cannot demote or disable your own account.".into(),
        });
    }
    if before.role == "admin" && before.status == "active" && (demoted || disabled) {
        keep_an_admin(&mut tx, id, if demoted { "role" } else { "status" }).await?;
    }
    crate::profiles::ssr::save_profile(&mut *tx, id, p).await?;
    sqlx::query("UPDATE users SET role = ?, status = ?, updated_at = ? WHERE id = ?")
        .bind(edit.role.as_str())
        .bind(edit.status.as_str())
        .bind(crate::server::db::now_unix())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    if disabled {
        sessions::end(&mut tx, id, Ending::All).await?;
    }
    let event = AuditEvent::new(AuditAction::UserUpdated, Some(admin), Some(id))
        .with("changes", Value::Object(changes));
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)
}

/// Ends every session of user `id` ("Sign out everywhere") and records `session.ended` by
/// administrator `admin`. Returns how many ended.
///
/// Errors: `NotFound`; `Internal` on database failures.
pub async fn end_all_sessions(pool: &SqlitePool, admin: i64, id: i64) -> Result<u64, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    user_record(&mut tx, id).await?;
    let ended = sessions::end(&mut tx, id, Ending::All).await?;
    let event = AuditEvent::new(AuditAction::SessionEnded, Some(admin), Some(id))
        .with("sessions", "all")
        .with("count", ended);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)?;
    Ok(ended)
}

/// Gives user `id` the one-time password whose hash is `hash`: they must choose a new one at
/// their next sign-in, and their sessions end. Records `user.password_reset` (never the
/// password).
///
/// Errors: `NotFound`; `Internal` on database failures.
pub async fn reset_password(
    pool: &SqlitePool,
    admin: i64,
    id: i64,
    hash: &PasswordHashString,
) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    user_record(&mut tx, id).await?;
    sqlx::query(
        "UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ? WHERE id = ?",
    )
    .bind(&hash.0)
    .bind(crate::server::db::now_unix())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let ended = sessions::end(&mut tx, id, Ending::All).await?;
    let event = AuditEvent::new(AuditAction::PasswordReset, Some(admin), Some(id))
        .with("sessions_ended", ended);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)
}

/// Deletes user `id` as administrator `admin`: sessions, profile and account go, and
/// `user.deleted` is recorded with the email and display name they had.
///
/// Errors: `NotFound`; `Conflict` at `confirm` for the administrator's own account or the last
/// active administrator; `Internal` on database failures.
pub async fn delete_user(pool: &SqlitePool, admin: i64, id: i64) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    let before = user_record(&mut tx, id).await?;
    if id == admin {
        return Err(AppError::Conflict {
            field: "confirm".into(),
            message: "You cannot delete your own account from here; use Settings, Account.".into(),
        });
    }
    if before.role == "admin" && before.status == "active" {
        keep_an_admin(&mut tx, id, "confirm").await?;
    }
    sessions::end(&mut tx, id, Ending::All).await?;
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    let event = AuditEvent::new(AuditAction::UserDeleted, Some(admin), Some(id))
        .with("email", before.email)
        .with("display_name", before.display_name);
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)
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
/// password, after the same checks as sign-up (a guessable password is refused too). Returns
/// the new id.
///
/// Errors (as a message for the terminal): a refused field, an email in use, a database
/// failure.
pub async fn create_admin_from_cli(
    pool: &SqlitePool,
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
    create_user(pool, None, &user.row(&hash), now)
        .await
        .map_err(|e| match e {
            AppError::Conflict { message, .. } => format!("email: {message}"),
            other => other.to_string(),
        })
}

/// A user id from an `actor`/`target` filter: a number, or the id of the account with that
/// email. `Some(None)` when no account matches (the filter then matches nothing).
async fn user_filter(pool: &SqlitePool, text: &str) -> Result<Option<Option<i64>>, AppError> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
        return Ok(Some(Some(id)));
    }
    let id = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = ?")
        .bind(text.to_lowercase())
        .fetch_optional(pool)
        .await
        .map_err(internal)?;
    Ok(Some(id))
}

/// Unix seconds of midnight UTC starting `date` (`YYYY-MM-DD`), if it is one.
fn day_start(date: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

/// One page ([`PAGE_SIZE`]) of audit events matching `query`, newest first, times in
/// `time_zone`.
///
/// Errors: `Internal` when a query fails.
pub async fn list_audit(
    pool: &SqlitePool,
    query: &super::AuditQuery,
    time_zone: &str,
) -> Result<super::AuditPage, AppError> {
    let mut clauses: Vec<&str> = Vec::new();
    let mut binds: Vec<i64> = Vec::new();
    let mut text_binds: Vec<String> = Vec::new();
    let mut nothing = false;
    for (filter, column) in [
        (&query.actor, "e.actor_user_id = ?"),
        (&query.target, "e.target_user_id = ?"),
    ] {
        match user_filter(pool, filter).await? {
            None => {}
            Some(Some(id)) => {
                clauses.push(column);
                binds.push(id);
            }
            Some(None) => nothing = true,
        }
    }
    if let Some(from) = day_start(&query.from) {
        clauses.push("e.occurred_at >= ?");
        binds.push(from);
    }
    if let Some(to) = day_start(&query.to) {
        clauses.push("e.occurred_at < ?");
        binds.push(to + 24 * 3600);
    }
    if !query.action.is_empty() {
        text_binds.push(query.action.clone());
    }
    let mut filter = clauses.join(" AND ");
    if !text_binds.is_empty() {
        if !filter.is_empty() {
            filter.push_str(" AND ");
        }
        filter.push_str("e.action = ?");
    }
    if nothing {
        filter = "0".into();
    }
    let filter = if filter.is_empty() {
        String::new()
    } else {
        format!("WHERE {filter}")
    };
    let count_sql = format!("SELECT COUNT(*) FROM audit_events e {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    if !nothing {
        for b in &binds {
            count = count.bind(b);
        }
        for b in &text_binds {
            count = count.bind(b);
        }
    }
    let total = count.fetch_one(pool).await.map_err(internal)?;
    let pages = (total.max(1) as u64).div_ceil(u64::from(PAGE_SIZE)) as u32;
    let page = query.page.clamp(1, pages);
    let sql = format!(
        "SELECT e.id, e.occurred_at, e.actor_user_id, a.email, e.action, e.target_user_id, \
         t.email, e.ip, e.details FROM audit_events e \
         LEFT JOIN users a ON a.id = e.actor_user_id \
         LEFT JOIN users t ON t.id = e.target_user_id \
         {filter} ORDER BY e.id DESC LIMIT ? OFFSET ?"
    );
    type Row = (
        i64,
        i64,
        Option<i64>,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
    );
    let mut rows = sqlx::query_as::<_, Row>(&sql);
    if !nothing {
        for b in &binds {
            rows = rows.bind(b);
        }
        for b in &text_binds {
            rows = rows.bind(b);
        }
    }
    let who = |id: Option<i64>, email: Option<String>| match (id, email) {
        (_, Some(email)) => email,
        (Some(id), None) => format!("#{id}"),
        (None, None) => "—".to_string(),
    };
    let rows = rows
        .bind(i64::from(PAGE_SIZE))
        .bind(i64::from(page - 1) * i64::from(PAGE_SIZE))
        .fetch_all(pool)
        .await
        .map_err(internal)?
        .into_iter()
        .map(
            |(id, at, actor, actor_email, action, target, target_email, ip, details)| {
                super::AuditRow {
                    id,
                    occurred: format_time(at, time_zone),
                    actor: who(actor, actor_email),
                    action,
                    target: target.map_or_else(String::new, |t| who(Some(t), target_email)),
                    ip: ip.unwrap_or_default(),
                    details,
                }
            },
        )
        .collect();
    let actions = AuditAction::ALL
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    Ok(super::AuditPage {
        rows,
        total,
        page,
        pages,
        actions,
    })
}

/// A CSV cell that a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP "CSV Injection"). Quoting of
/// commas, quotes and line breaks is left to the CSV writer.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// RFC 3339 UTC text of a Unix time, e.g. `2026-11-27T18:04:05Z`.
fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The file formats of the user export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

type ExportRow = (i64, String, String, String, String, i64, Option<i64>);

/// The columns of the user export, in order.
pub const EXPORT_COLUMNS: [&str; 7] = [
    "id",
    "email",
    "display_name",
    "role",
    "status",
    "created_at",
    "last_login_at",
];

fn csv_line(row: &ExportRow) -> Vec<u8> {
    let (id, email, name, role, status, created, last_login) = row;
    let cells = [
        id.to_string(),
        neutralise_formula(email).into_owned(),
        neutralise_formula(name).into_owned(),
        role.clone(),
        status.clone(),
        rfc3339(*created),
        last_login.map(rfc3339).unwrap_or_default(),
    ];
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(&cells);
    writer.into_inner().unwrap_or_default()
}

fn json_line(row: &ExportRow, first: bool) -> Vec<u8> {
    let (id, email, name, role, status, created, last_login) = row;
    let value = json!({
        "id": id, "email": email, "display_name": name, "role": role, "status": status,
        "created_at": rfc3339(*created), "last_login_at": last_login.map(rfc3339),
    });
    let mut out = if first {
        b"\n".to_vec()
    } else {
        b",\n".to_vec()
    };
    out.extend(value.to_string().into_bytes());
    out
}

/// `GET /admin/users/export.csv` and `.json`: the users matching the list's query parameters
/// (same search, filters and order as `/admin/users`, every page), streamed from the database
/// in chunks of about 64 KiB, never built whole in memory. Administrators only: others get
/// 403, anonymous callers are sent to sign in by the page middleware.
pub async fn export_users(
    state: crate::server::AppState,
    session: tower_sessions::Session,
    params: std::collections::HashMap<String, String>,
    format: ExportFormat,
) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    let admin = match crate::auth::ssr::session_user_id(&session).await {
        Some(id) => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM users WHERE id = ? AND role = 'admin' AND status = 'active'",
        )
        .bind(id)
        .fetch_optional(&state.pool)
        .await
        .ok()
        .flatten(),
        None => None,
    };
    if admin.is_none() {
        return (
            axum::http::StatusCode::FORBIDDEN,
            AppError::Forbidden.to_string(),
        )
            .into_response();
    }
    let query = UserListQuery::from_params(|k| params.get(k).cloned());
    let (filter, binds) = list_filter(&query);
    let sql = format!(
        "SELECT u.id, u.email, p.display_name, u.role, u.status, u.created_at, u.last_login_at \
         FROM users u JOIN profiles p ON p.user_id = u.id {filter} {}",
        order_by(&query)
    );
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let pool = state.pool.clone();
    tokio::spawn(async move {
        use futures_util::TryStreamExt;
        let mut chunk = match format {
            ExportFormat::Csv => {
                let mut header = EXPORT_COLUMNS.join(",").into_bytes();
                header.extend(b"\r\n");
                header
            }
            ExportFormat::Json => b"[".to_vec(),
        };
        let mut q = sqlx::query_as::<_, ExportRow>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let mut rows = q.fetch(&pool);
        let mut first = true;
        loop {
            match rows.try_next().await {
                Ok(Some(row)) => {
                    chunk.extend(match format {
                        ExportFormat::Csv => csv_line(&row),
                        ExportFormat::Json => json_line(&row, first),
                    });
                    first = false;
                    if chunk.len() >= 64 * 1024
                        && tx.send(Ok(std::mem::take(&mut chunk))).await.is_err()
                    {
                        return; // the client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "user export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
        }
        if format == ExportFormat::Json {
            chunk.extend(b"\n]\n");
        }
        let _ = tx.send(Ok(chunk)).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "users.csv"),
        ExportFormat::Json => ("application/json", "users.json"),
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Checks an import: each CSV record must be `email, display name[, role]` (role `user` when
/// left out; a first line starting with `email` is a header and skipped). Every bad row is
/// reported with its line number: a field refused by the same rules as sign-up, an email that
/// repeats an earlier line or belongs to an existing account, too many rows, unreadable CSV.
///
/// Errors: `Internal` when the database check fails.
pub async fn check_import(pool: &SqlitePool, text: &str) -> Result<super::ImportReport, AppError> {
    use crate::domain::{DisplayName, Email};
    let mut report = super::ImportReport::default();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (index, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report
                    .problems
                    .push((line, "This line is not valid CSV.".into()));
                continue;
            }
        };
        let line = record.position().map_or(index as u64 + 1, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        if index == 0 && field(0).eq_ignore_ascii_case("email") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if report.ready.len() + report.problems.len() >= super::MAX_IMPORT_ROWS {
            report.problems.push((
                line,
                format!("More than {} rows; split the file.", super::MAX_IMPORT_ROWS),
            ));
            break;
        }
        if !(2..=3).contains(&record.len()) {
            report
                .problems
                .push((line, "Expected: email, display name, role.".into()));
            continue;
        }
        let email = Email::parse(field(0));
        let name = DisplayName::parse(field(1));
        let role_text = field(2).to_lowercase();
        let role = if role_text.is_empty() {
            Ok(Role::User)
        } else {
            Role::parse(&role_text)
        };
        let (email, name, role) = match (email, name, role) {
            (Ok(e), Ok(n), Ok(r)) => (e, n, r),
            (e, n, r) => {
                let why: Vec<String> = [e.err(), n.err(), r.err()].into_iter().flatten().collect();
                report.problems.push((line, why.join("; ")));
                continue;
            }
        };
        if let Some(first) = seen.get(email.as_str()) {
            report
                .problems
                .push((line, format!("{} repeats line {first}.", email.as_str())));
            continue;
        }
        seen.insert(email.as_str().to_string(), line);
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)")
                .bind(email.as_str())
                .fetch_one(pool)
                .await
                .map_err(internal)?;
        if exists {
            report.problems.push((
                line,
                format!("An account with {} already exists.", email.as_str()),
            ));
            continue;
        }
        report.ready.push((
            line,
            email.as_str().to_string(),
            name.as_str().to_string(),
            role,
        ));
    }
    Ok(report)
}

/// Creates the users of a checked import with no problems, all or none, each with
/// `user.created` (via `import`). They have no password until an administrator resets it.
/// Returns how many were created.
///
/// Errors: `Conflict` when an email was taken since the check; `Internal` on database failures.
pub async fn run_import(
    pool: &SqlitePool,
    admin: i64,
    report: &super::ImportReport,
    now: i64,
) -> Result<usize, AppError> {
    let mut tx = crate::server::db::begin_write(pool).await?;
    for (_, email, name, role) in &report.ready {
        let row = NewUserRow {
            email,
            password_hash: crate::server::password::NO_PASSWORD,
            role: *role,
            must_change_password: true,
            display_name: name,
        };
        let Some(id) = insert_user(&mut tx, &row, now).await? else {
            return Err(AppError::Conflict {
                field: "csv".into(),
                message: format!(
                    "An account with {email} was created meanwhile; nothing was imported."
                ),
            });
        };
        let event = AuditEvent::new(AuditAction::UserCreated, Some(admin), Some(id))
            .with("email", email.as_str())
            .with("role", role.as_str())
            .with("via", "import");
        audit::record(&mut *tx, &event).await?;
    }
    tx.commit().await.map_err(internal)?;
    Ok(report.ready.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        let row: ExportRow = (
            7,
            "=cmd|'/c calc'!A1@example.org".into(),
            "Lee, \"Ann\"\nSecond line".into(),
            "user".into(),
            "active".into(),
            0,
            None,
        );
        let line = String::from_utf8(csv_line(&row)).unwrap();
        assert_eq!(
            line,
            "7,'=cmd|'/c calc'!A1@example.org,\"Lee, \"\"Ann\"\"\nSecond line\",user,active,\
             1970-01-01T00:00:00Z,\r\n"
        );
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            assert!(
                neutralise_formula(&format!("{lead}1+1")).starts_with('\''),
                "{lead:?}"
            );
        }
        assert_eq!(neutralise_formula("Ann"), "Ann");
    }

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(fts_phrase(r#"a" OR "b"#), r#""a"" OR ""b""#);
        assert_eq!(contains_pattern("ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn one_time_passwords_are_long_random_and_pass_the_policy() {
        let a = one_time_password();
        let b = one_time_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert!(crate::domain::Password::parse(&a).is_ok());
    }
}
