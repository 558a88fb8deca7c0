//! The throttles every node shares when the database is PostgreSQL: the same rules as the
//! in-memory [`Throttle`], with each key's entry a row of `throttle_entries` and each API
//! token's bucket a row of `throttle_buckets` (migrations/postgres/0007_throttles.sql), so
//! attempts split across nodes are counted together (`shared/SECURITY.md`, Login).
//!
//! Concurrency is as in memory: a login attempt locks its account's row, then its IP's (one
//! order, so no two attempts deadlock), decides, counts and commits in one transaction, so
//! sixty guesses sent at once to two nodes are checked at most five times. An API call is one
//! statement on its token's row, refilled by the database's clock. On SQLite (one node) the
//! in-memory tables serve alone; password strength hints stay per node everywhere, since what
//! they protect is each node's own CPU.
//!
//! Should the database fail a throttle statement, the node falls back to its in-memory tables
//! for that attempt (and logs it), so an outage never switches the throttles off.

use std::net::IpAddr;

use sqlx::{PgConnection, PgPool};

use super::{account_key, ip_key, Entry, Limits, Throttle, HOUR};
use crate::server::db::Db;

/// The login, sign-up and API throttles of this node, shared through the database on
/// PostgreSQL. Cloning is not needed: the app state holds one.
#[derive(Debug)]
pub struct Limiter {
    local: Throttle,
    shared: Option<PgPool>,
}

/// The kinds of keyed entries, as stored in `throttle_entries.kind`.
const ACCOUNT: &str = "account";
const IP: &str = "ip";
const SIGNUP: &str = "signup";
const MAIL: &str = "mail";

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip_key(ip) {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

impl Limiter {
    /// Throttles with `limits`, shared through `db` when it is PostgreSQL.
    pub fn new(limits: Limits, db: &Db) -> Self {
        Self {
            local: Throttle::new(limits),
            shared: match db {
                Db::Postgres(pool) => Some(pool.clone()),
                Db::Sqlite(_) => None,
            },
        }
    }

    /// [`Throttle::login_attempt`], counted across nodes on PostgreSQL.
    ///
    /// Errors: the seconds to wait while the account or the IP waits; nothing is counted then.
    pub async fn login_attempt(
        &self,
        account: &str,
        ip: Option<IpAddr>,
        now: i64,
    ) -> Result<(), u64> {
        let Some(pool) = &self.shared else {
            return self.local.login_attempt(account, ip, now);
        };
        match self.shared_login_attempt(pool, account, ip, now).await {
            Ok(verdict) => verdict,
            Err(e) => {
                tracing::error!(error = %e, "shared login throttle failed; this node's counts decide");
                self.local.login_attempt(account, ip, now)
            }
        }
    }

    async fn shared_login_attempt(
        &self,
        pool: &PgPool,
        account: &str,
        ip: Option<IpAddr>,
        now: i64,
    ) -> Result<Result<(), u64>, sqlx::Error> {
        let limits = self.local.limits;
        let account = account_key(account).to_vec();
        let ip = ip.map(ip_bytes);
        let mut tx = pool.begin().await?;
        let mut by_account = locked(&mut tx, ACCOUNT, &account).await?;
        let mut by_ip = match &ip {
            Some(ip) => Some(locked(&mut tx, IP, ip).await?),
            None => None,
        };
        let wait = by_account.wait(now).max(by_ip.and_then(|e| e.wait(now)));
        if let Some(wait) = wait {
            // Rolled back: the rows the lock made (if new) go with it.
            return Ok(Err(wait));
        }
        by_account.fail(
            now,
            limits.account_free,
            Some(limits.account_per_hour),
            false,
        );
        store(&mut tx, ACCOUNT, &account, &by_account).await?;
        if let (Some(ip), Some(entry)) = (&ip, by_ip.as_mut()) {
            entry.fail(now, limits.ip_free, None, true);
            store(&mut tx, IP, ip, entry).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// [`Throttle::login_succeeded`], on every node's counts on PostgreSQL.
    pub async fn login_succeeded(&self, account: &str, ip: Option<IpAddr>) {
        let Some(pool) = &self.shared else {
            return self.local.login_succeeded(account, ip);
        };
        let done: Result<(), sqlx::Error> = async {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM throttle_entries WHERE kind = $1 AND key = $2")
                .bind(ACCOUNT)
                .bind(account_key(account).to_vec())
                .execute(&mut *tx)
                .await?;
            if let Some(ip) = ip.map(ip_bytes) {
                let mut entry = locked(&mut tx, IP, &ip).await?;
                entry.forgive();
                store(&mut tx, IP, &ip, &entry).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "shared login throttle failed to forgive a success");
            self.local.login_succeeded(account, ip);
        }
    }

    /// [`Throttle::sign_up_attempt`], counted across nodes on PostgreSQL.
    pub async fn sign_up_attempt(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        let limit = self.local.limits.signups_per_hour;
        self.hourly(SIGNUP, limit, ip, now, |local| {
            local.sign_up_attempt(ip, now)
        })
        .await
    }

    /// [`Throttle::mail_request`], counted across nodes on PostgreSQL.
    pub async fn mail_request(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        let limit = self.local.limits.mail_requests_per_hour;
        self.hourly(MAIL, limit, ip, now, |local| local.mail_request(ip, now))
            .await
    }

    /// One request of `ip` counted in the shared entries of `kind`, at most `limit` an hour;
    /// `local` decides on SQLite and when the database fails.
    async fn hourly(
        &self,
        kind: &str,
        limit: u32,
        ip: Option<IpAddr>,
        now: i64,
        local: impl FnOnce(&Throttle) -> Option<u64>,
    ) -> Option<u64> {
        let Some(pool) = &self.shared else {
            return local(&self.local);
        };
        let key = ip_bytes(ip?);
        let verdict: Result<Option<u64>, sqlx::Error> = async {
            let mut tx = pool.begin().await?;
            let mut entry = locked(&mut tx, kind, &key).await?;
            if let Some(wait) = entry.wait(now) {
                return Ok(Some(wait));
            }
            entry.fail(now, u32::MAX, Some(limit), false);
            store(&mut tx, kind, &key, &entry).await?;
            tx.commit().await?;
            Ok(None)
        }
        .await;
        verdict.unwrap_or_else(|e| {
            tracing::error!(error = %e, kind, "shared throttle failed; this node's counts decide");
            local(&self.local)
        })
    }

    /// [`Throttle::api_call`], one bucket per token across nodes on PostgreSQL: one statement
    /// refills the bucket by the database's clock and takes a call if there is one.
    pub async fn api_call(&self, token_id: i64) -> Option<u64> {
        let Some(pool) = &self.shared else {
            return self.local.api_call(token_id);
        };
        let capacity = f64::from(self.local.limits.api_calls_per_minute.max(1));
        let taken: Result<(bool, f64), sqlx::Error> = sqlx::query_as(BUCKET_TAKE)
            .bind(token_id.to_be_bytes().to_vec())
            .bind(capacity)
            .fetch_one(pool)
            .await;
        match taken {
            Ok((true, _)) => None,
            Ok((false, left)) => {
                let per_second = capacity / 60.0;
                Some(((1.0 - left) / per_second).ceil().max(1.0) as u64)
            }
            Err(e) => {
                tracing::error!(error = %e, "shared API throttle failed; this node's counts decide");
                self.local.api_call(token_id)
            }
        }
    }

    /// [`Throttle::login_footprint`]; on PostgreSQL, of the shared rows (key bytes plus the
    /// five counters, 40 bytes, each).
    pub async fn login_footprint(&self) -> (usize, usize, usize) {
        let Some(pool) = &self.shared else {
            return self.local.login_footprint();
        };
        let counted: Result<(i64, i64, i64), sqlx::Error> = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE kind = 'account'), COUNT(*) FILTER (WHERE kind = 'ip'), \
             COALESCE(SUM(octet_length(key) + 40), 0)::BIGINT FROM throttle_entries \
             WHERE kind IN ('account', 'ip')",
        )
        .fetch_one(pool)
        .await;
        let (accounts, ips, bytes) = counted.unwrap_or_default();
        (accounts as usize, ips as usize, bytes as usize)
    }

    /// [`Throttle::challenge`]: per node, always (it guards that node's session writes).
    pub fn challenge(&self, ip: Option<IpAddr>) -> Option<u64> {
        self.local.challenge(ip)
    }

    /// [`Throttle::token_request`]: per node.
    pub fn token_request(&self, ip: Option<IpAddr>) -> Option<u64> {
        self.local.token_request(ip)
    }

    /// [`Throttle::hint`]: per node, always.
    pub fn hint(&self, ip: Option<IpAddr>) -> Option<u64> {
        self.local.hint(ip)
    }

    /// Deletes shared entries that neither wait nor changed within the hour, and buckets full
    /// again (they behave exactly like missing ones): what bounds the tables on PostgreSQL, as
    /// `MAX_KEYS` bounds the in-memory ones. Returns the rows deleted (0 on SQLite).
    ///
    /// Errors: the database's.
    pub async fn purge(&self, now: i64) -> Result<u64, sqlx::Error> {
        let Some(pool) = &self.shared else {
            return Ok(0);
        };
        let entries = sqlx::query(
            "DELETE FROM throttle_entries WHERE blocked_until <= $1 AND touched < $1 - $2",
        )
        .bind(now)
        .bind(HOUR)
        .execute(pool)
        .await?
        .rows_affected();
        let buckets =
            sqlx::query("DELETE FROM throttle_buckets WHERE at < now() - interval '1 minute'")
                .execute(pool)
                .await?
                .rows_affected();
        Ok(entries + buckets)
    }
}

/// Takes a call from the bucket of token `$1` (8 bytes) holding `$2` calls a minute: the
/// bucket is refilled by the time since its last call (at most full), and a call is taken when
/// one is there. Returns whether it was, and the calls left.
const BUCKET_TAKE: &str = "\
    INSERT INTO throttle_buckets AS b (kind, key, tokens, allowed, at) \
    VALUES ('api', $1, $2 - 1, TRUE, now()) \
    ON CONFLICT (kind, key) DO UPDATE SET \
      allowed = LEAST($2, b.tokens + EXTRACT(EPOCH FROM now() - b.at)::float8 * $2 / 60) >= 1, \
      tokens = LEAST($2, b.tokens + EXTRACT(EPOCH FROM now() - b.at)::float8 * $2 / 60) \
        - CASE WHEN LEAST($2, b.tokens + EXTRACT(EPOCH FROM now() - b.at)::float8 * $2 / 60) >= 1 \
          THEN 1 ELSE 0 END, \
      at = now() \
    RETURNING allowed, tokens";

/// The entry of `(kind, key)`, made if missing, locked until `tx` ends.
async fn locked(tx: &mut PgConnection, kind: &str, key: &[u8]) -> Result<Entry, sqlx::Error> {
    let (failures, window_start, in_window, blocked_until, touched): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "INSERT INTO throttle_entries AS t (kind, key) VALUES ($1, $2) \
             ON CONFLICT (kind, key) DO UPDATE SET kind = t.kind \
             RETURNING t.failures, t.window_start, t.in_window, t.blocked_until, t.touched",
        )
        .bind(kind)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Entry {
        failures: failures.clamp(0, i64::from(u32::MAX)) as u32,
        window_start,
        in_window: in_window.clamp(0, i64::from(u32::MAX)) as u32,
        blocked_until,
        touched,
    })
}

async fn store(
    tx: &mut PgConnection,
    kind: &str,
    key: &[u8],
    e: &Entry,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE throttle_entries SET failures = $3, window_start = $4, in_window = $5, \
         blocked_until = $6, touched = $7 WHERE kind = $1 AND key = $2",
    )
    .bind(kind)
    .bind(key)
    .bind(i64::from(e.failures))
    .bind(e.window_start)
    .bind(i64::from(e.in_window))
    .bind(e.blocked_until)
    .bind(e.touched)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
