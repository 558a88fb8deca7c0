//! The `outbox` table: every mail Roster writes, from the transaction of the change that causes
//! it ([`enqueue`]) to its fate (sent, or failed after its attempts). The delivery worker
//! claims due mail with a lease ([`claim`]): on PostgreSQL the claim skips rows another node's
//! claim holds (`FOR UPDATE SKIP LOCKED`), and a node killed mid-send leaves a lease that runs
//! out, so each mail is sent at least once. A mail's link secret stays in its row only until
//! it is sent ([`mark_sent`] replaces it in the bodies).

use crate::{
    domain::{Letter, MailKind, MailState},
    error::{AppError, OrInternal},
    server::db::{query, Backend, Db, Ex, Tx},
};

/// What replaces a link's secret in a mail once it is sent, and in what others are shown.
pub const HIDDEN: &str = "[hidden]";

/// Writes `letter` for `user_id` (if it concerns an account) as a pending mail, due at once.
/// Join the transaction of the change that causes it, so neither exists without the other.
/// Returns the mail's id.
///
/// Errors: `Internal` when the write fails.
pub async fn enqueue(
    tx: &mut Tx,
    letter: &Letter,
    user_id: Option<i64>,
    now: i64,
) -> Result<i64, AppError> {
    query(
        "INSERT INTO outbox (kind, to_address, user_id, subject, body_text, body_html, secret, \
         created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(letter.kind)
    .bind(letter.to.as_str())
    .bind(user_id)
    .bind(letter.subject.as_str())
    .bind(letter.text.as_str())
    .bind(letter.html.as_str())
    .bind(letter.secret.as_deref())
    .bind(now)
    .scalar::<i64>(tx)
    .await
    .or_internal()
}

/// A mail a worker holds until its lease runs out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// Claims up to `limit` due pending mails (oldest first) for `lease` seconds after `now`,
/// counting an attempt on each.
///
/// Errors: the database's.
pub async fn claim(db: &Db, now: i64, lease: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let skip_locked = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    query(format!(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
         SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $2 \
         AND locked_until <= $2 ORDER BY id LIMIT $3{skip_locked}) \
         RETURNING id, to_address, subject, body_text, body_html, attempts"
    ))
    .bind(now.saturating_add(lease))
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Mail `id` was sent at `now`: its link secret (if any) is replaced by [`HIDDEN`] in both
/// bodies and forgotten.
///
/// Errors: the database's.
pub async fn mark_sent(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    query(
        "UPDATE outbox SET state = 'sent', sent_at = $1, locked_until = 0, last_error = NULL, \
         body_text = CASE WHEN secret IS NULL THEN body_text ELSE replace(body_text, secret, $2) END, \
         body_html = CASE WHEN secret IS NULL THEN body_html ELSE replace(body_html, secret, $2) END, \
         secret = NULL WHERE id = $3",
    )
    .bind(now)
    .bind(HIDDEN)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}

/// Mail `id` failed with `error`: tried again at `next_attempt_at` (Unix seconds), or, with
/// `None`, marked failed for good.
///
/// Errors: the database's.
pub async fn mark_unsent(
    db: &Db,
    id: i64,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let (state, next) = match next_attempt_at {
        Some(at) => (MailState::Pending, at),
        None => (MailState::Failed, 0),
    };
    query(
        "UPDATE outbox SET state = $1, last_error = $2, locked_until = 0, next_attempt_at = $3 \
         WHERE id = $4",
    )
    .bind(state)
    .bind(error)
    .bind(next)
    .bind(id)
    .execute(db)
    .await
    .map(drop)
}

/// Makes failed mail `id` pending again, due at `now`, with its attempts counted afresh.
/// Returns whether it was a failed mail.
///
/// Errors: `Internal` when the write fails.
pub async fn retry(tx: &mut Tx, id: i64, now: i64) -> Result<bool, AppError> {
    let done = query(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, \
         locked_until = 0 WHERE id = $2 AND state = 'failed'",
    )
    .bind(now)
    .bind(id)
    .execute(tx)
    .await
    .or_internal()?;
    Ok(done == 1)
}

/// How many mails of `kind` went (or wait to go) to `to` since `since` (Unix seconds): the
/// per-address limit of mails a stranger can cause (reset links, verification mails).
///
/// Errors: `Internal` when the query fails.
pub async fn sent_to_since(
    db: impl Into<Ex<'_>>,
    to: &str,
    kind: MailKind,
    since: i64,
) -> Result<i64, AppError> {
    query("SELECT COUNT(*) FROM outbox WHERE to_address = $1 AND kind = $2 AND created_at >= $3")
        .bind(to)
        .bind(kind)
        .bind(since)
        .scalar(db)
        .await
        .or_internal()
}

/// One mail as the outbox page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: MailKind,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    /// The link's secret while the mail is unsent.
    pub secret: Option<String>,
    pub state: MailState,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// The outbox filters: part of the address (case-insensitive) and a state.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter<'a> {
    pub address: Option<&'a str>,
    pub state: Option<MailState>,
}

fn push_filter<'q>(qb: &mut crate::server::db::Query<'q>, filter: &OutboxFilter<'q>) {
    qb.push(" WHERE 1 = 1");
    if let Some(address) = filter.address {
        // Addresses are stored lower-cased; LIKE's wildcards in the text are taken literally.
        qb.push(" AND to_address LIKE ")
            .push_bind(super::user_list::contains_pattern(&address.to_lowercase()))
            .push(" ESCAPE '\\'");
    }
    if let Some(state) = filter.state {
        qb.push(" AND state = ").push_bind(state);
    }
}

/// One page of mails matching `filter`, newest first, and how many match in all.
///
/// Errors: `Internal` when the query fails.
pub async fn page(
    db: &Db,
    filter: &OutboxFilter<'_>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OutboxRow>, i64), AppError> {
    let mut count = query("SELECT COUNT(*) FROM outbox");
    push_filter(&mut count, filter);
    let total: i64 = count.scalar(db).await.or_internal()?;
    let mut rows = query(
        "SELECT id, kind, to_address, subject, body_text, secret, state, attempts, created_at, \
         next_attempt_at, last_error, sent_at FROM outbox",
    );
    push_filter(&mut rows, filter);
    rows.push(" ORDER BY id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    Ok((rows.fetch_all(db).await.or_internal()?, total))
}

/// How long a sent mail stays in the outbox, in seconds (90 days).
pub const KEEP_SENT: i64 = 90 * 24 * 3600;

/// Deletes mails sent more than [`KEEP_SENT`] before `now` (failed and pending ones stay until
/// someone looks). Returns how many.
///
/// Errors: the database's.
pub async fn purge(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    query("DELETE FROM outbox WHERE state = 'sent' AND sent_at < $1")
        .bind(now - KEEP_SENT)
        .execute(db)
        .await
}

/// Pending mails and the creation time of the oldest (Unix seconds), for `/metrics`.
///
/// Errors: the database's.
pub async fn pending(db: &Db) -> Result<(i64, Option<i64>), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Pending {
        n: i64,
        oldest: Option<i64>,
    }
    let p: Pending = query(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = 'pending'",
    )
    .fetch_one(db)
    .await?;
    Ok((p.n, p.oldest))
}

/// One mail to a person, as their data export lists it (never its text: an unsent one still
/// holds a live link).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct MailRecord {
    pub kind: MailKind,
    pub to_address: String,
    pub subject: String,
    pub state: MailState,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// Every mail written about `user_id`, oldest first.
///
/// Errors: `Internal` when the query fails.
pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<MailRecord>, AppError> {
    query(
        "SELECT kind, to_address, subject, state, created_at, sent_at FROM outbox \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
    .or_internal()
}
