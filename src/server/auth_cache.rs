//! The authentication cache (issue 18): what the session check and the bearer-token check read
//! from the database, kept in memory so a signed-in request or an API call needs no database
//! round trip to know who is asking.
//!
//! **Invalidation comes from the database itself.** Triggers (migration 0013) record every
//! change to what a check reads — the user's row, profile, session records, tokens, second
//! factors — as the user's id: in the `auth_changes` table on SQLite, as a `pg_notify` on the
//! `roster_auth` channel on PostgreSQL. Every write path, present and future, the CLI and
//! hand-made SQL included, is covered without anyone remembering to invalidate; a change drops
//! every cached entry of that user.
//!
//! - **SQLite.** Each pooled connection watches its own writes (`sqlite3_update_hook` on
//!   `auth_changes`, then the commit and rollback hooks), so the process knows the newest change
//!   it committed without asking. Before an entry is used, any such change not yet read is read
//!   (one query, only after a change), and while a committed change is not visible yet the
//!   cache is bypassed: a change made by this process acts on the very next request. Changes by
//!   another process on the same file (the `roster` CLI) are read once a second.
//! - **PostgreSQL.** Each node listens on `roster_auth` (sqlx's `PgListener`); notifications
//!   arrive in commit order within milliseconds, on every node. After a request that may have
//!   written (any method but GET, HEAD and OPTIONS: state never changes on those,
//!   `shared/SECURITY.md`), the node sends a marker through the same channel and answers only
//!   once its listener has seen it, so its own changes act on the very next request. Why not a
//!   short TTL: a revoked token or a disabled account would then live on for the TTL on every
//!   node, and a version read per request is the round trip the cache exists to avoid. While
//!   the listener is not connected the cache is bypassed and emptied.
//!
//! The cache holds at most [`CAPACITY`] entries (an arbitrary one makes room). A database read
//! races a change only through [`Ticket`]s: a value read before an invalidation is not stored
//! after it.

use std::{
    any::Any,
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::SeqCst},
        Arc, LazyLock, Mutex, Weak,
    },
    time::Duration,
};

use super::db::{query, Db};

/// Most entries (sessions and tokens together) kept; at a few hundred bytes each, about 20 MB
/// when full.
pub const CAPACITY: usize = 50_000;

/// How often changes made by other processes are read (SQLite) and how long a listener
/// reconnect waits (PostgreSQL).
pub const POLL: Duration = Duration::from_secs(1);

/// The PostgreSQL channel the triggers notify (payload: the user's id) and markers use.
pub const CHANNEL: &str = "roster_auth";

/// Rows of `auth_changes` older than this (seconds) are deleted; every node reads them within
/// [`POLL`].
const KEEP_CHANGES: i64 = 3600;

/// What is cached: a session record by its id, a token by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Session(i64),
    Token([u8; 32]),
}

/// Leave to store what was read: taken before the read, void if anything was invalidated
/// meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct Entries {
    values: HashMap<Key, (i64, Value)>,
    by_user: HashMap<i64, Vec<Key>>,
}

impl Entries {
    fn remove(&mut self, key: &Key) {
        if let Some((user, _)) = self.values.remove(key) {
            if let Some(keys) = self.by_user.get_mut(&user) {
                keys.retain(|k| k != key);
                if keys.is_empty() {
                    self.by_user.remove(&user);
                }
            }
        }
    }
}

/// The newest `auth_changes` row this process committed on a database file, as its
/// connections' hooks saw it.
#[derive(Debug, Default)]
pub struct Committed(AtomicI64);

/// The [`Committed`] of each SQLite file this process opened, by path.
static COMMITTED: LazyLock<Mutex<HashMap<PathBuf, Weak<Committed>>>> =
    LazyLock::new(Default::default);

/// The [`Committed`] of the SQLite file at `path` (shared by every pool on it).
pub fn committed_for(path: &Path) -> Arc<Committed> {
    let mut all = COMMITTED.lock().unwrap_or_else(|p| p.into_inner());
    all.retain(|_, weak| weak.strong_count() > 0);
    if let Some(found) = all.get(path).and_then(Weak::upgrade) {
        return found;
    }
    let made = Arc::new(Committed::default());
    all.insert(path.to_path_buf(), Arc::downgrade(&made));
    made
}

/// Puts the hooks on a new SQLite connection: its inserts into `auth_changes`, once committed,
/// raise `committed`.
pub fn watch_connection(
    handle: &mut sqlx::sqlite::LockedSqliteHandle<'_>,
    committed: Arc<Committed>,
) {
    let pending = Arc::new(AtomicI64::new(0));
    let on_update = pending.clone();
    handle.set_update_hook(move |change| {
        if change.table == "auth_changes" {
            on_update.fetch_max(change.rowid, SeqCst);
        }
    });
    let on_commit = pending.clone();
    handle.set_commit_hook(move || {
        committed.0.fetch_max(on_commit.swap(0, SeqCst), SeqCst);
        true
    });
    handle.set_rollback_hook(move || pending.store(0, SeqCst));
}

enum Feed {
    /// SQLite: changes up to `seen` are applied (-1: not yet known where to start).
    Sqlite {
        committed: Arc<Committed>,
        seen: AtomicI64,
        reading: tokio::sync::Mutex<()>,
    },
    /// PostgreSQL: `listening` while the listener is connected.
    Postgres {
        listening: AtomicBool,
        markers: Mutex<HashMap<u64, tokio::sync::oneshot::Sender<()>>>,
        next_marker: AtomicU64,
        node: u64,
    },
}

struct Shared {
    entries: Mutex<Entries>,
    generation: AtomicU64,
    feed: Feed,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The cache of one app (see the module docs). Cheap to clone.
#[derive(Clone)]
pub struct AuthCache(Arc<Shared>);

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache")
            .field("entries", &self.len())
            .finish()
    }
}

impl AuthCache {
    /// An empty cache fed by `db`'s changes ([`AuthCache::run`] must run for PostgreSQL's).
    pub fn new(db: &Db) -> Self {
        let feed = match db {
            Db::Sqlite(pool) => Feed::Sqlite {
                committed: committed_for(pool.connect_options().get_filename()),
                seen: AtomicI64::new(-1),
                reading: tokio::sync::Mutex::new(()),
            },
            Db::Postgres(_) => Feed::Postgres {
                listening: AtomicBool::new(false),
                markers: Mutex::new(HashMap::new()),
                next_marker: AtomicU64::new(0),
                node: uuid::Uuid::new_v4().as_u64_pair().0,
            },
        };
        Self(Arc::new(Shared {
            entries: Mutex::new(Entries::default()),
            generation: AtomicU64::new(0),
            feed,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }))
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.0.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.entries().values.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups answered from memory and lookups that went to the database, since start.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.0.hits.load(SeqCst), self.0.misses.load(SeqCst))
    }

    /// Brings the cache up to date with every change this process committed and returns the
    /// leave to use and fill it, or `None` when it cannot be trusted now (a change committed
    /// but not yet visible, the database unreadable, the PostgreSQL listener down): then the
    /// caller reads the database.
    pub async fn fresh(&self, db: &Db) -> Option<Ticket> {
        match &self.0.feed {
            Feed::Sqlite {
                committed, seen, ..
            } => {
                let behind = || {
                    let seen = seen.load(SeqCst);
                    seen < 0 || committed.0.load(SeqCst) > seen
                };
                if behind() {
                    self.catch_up(db).await;
                    if behind() {
                        return None;
                    }
                }
            }
            Feed::Postgres { listening, .. } => {
                if !listening.load(SeqCst) {
                    return None;
                }
            }
        }
        Some(Ticket(self.0.generation.load(SeqCst)))
    }

    /// The value under `key`, if held and of type `V`.
    pub fn get<V: Any + Send + Sync>(&self, _: Ticket, key: &Key) -> Option<Arc<V>> {
        let found = self
            .entries()
            .values
            .get(key)
            .and_then(|(_, v)| v.clone().downcast::<V>().ok());
        let counter = if found.is_some() {
            &self.0.hits
        } else {
            &self.0.misses
        };
        counter.fetch_add(1, SeqCst);
        found
    }

    /// Stores `value` of user `user_id` under `key`, unless something was invalidated since
    /// `ticket` was taken (the value may predate that change).
    pub fn put<V: Any + Send + Sync>(&self, ticket: Ticket, key: Key, user_id: i64, value: V) {
        let mut entries = self.entries();
        if self.0.generation.load(SeqCst) != ticket.0 {
            return;
        }
        if entries.values.len() >= CAPACITY && !entries.values.contains_key(&key) {
            if let Some(victim) = entries.values.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.remove(&key);
        entries
            .by_user
            .entry(user_id)
            .or_default()
            .push(key.clone());
        entries.values.insert(key, (user_id, Arc::new(value)));
    }

    /// Drops every entry of user `user_id`.
    pub fn forget_user(&self, user_id: i64) {
        let mut entries = self.entries();
        self.0.generation.fetch_add(1, SeqCst);
        if let Some(keys) = entries.by_user.remove(&user_id) {
            for key in keys {
                entries.values.remove(&key);
            }
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut entries = self.entries();
        self.0.generation.fetch_add(1, SeqCst);
        *entries = Entries::default();
    }

    /// SQLite: reads the changes not yet applied and drops their users' entries. Concurrent
    /// callers wait for one read. A failed read leaves the cache bypassed until one succeeds.
    async fn catch_up(&self, db: &Db) {
        let Feed::Sqlite { seen, reading, .. } = &self.0.feed else {
            return;
        };
        let _one = reading.lock().await;
        let from = seen.load(SeqCst);
        if from < 0 {
            let start = query("SELECT COALESCE(MAX(seq), 0) FROM auth_changes")
                .fetch_one::<(i64,)>(db)
                .await;
            match start {
                Ok((start,)) => {
                    self.clear();
                    seen.store(start, SeqCst);
                }
                Err(e) => tracing::warn!(error = %e, "auth change log unreadable"),
            }
            return;
        }
        let rows = query("SELECT seq, user_id FROM auth_changes WHERE seq > $1 ORDER BY seq")
            .bind(from)
            .fetch_all::<(i64, i64)>(db)
            .await;
        match rows {
            Ok(rows) => {
                if let Some((last, _)) = rows.last() {
                    for (_, user) in &rows {
                        self.forget_user(*user);
                    }
                    seen.store(*last, SeqCst);
                }
            }
            Err(e) => tracing::warn!(error = %e, "auth change log unreadable"),
        }
    }

    /// After a request that may have written: returns once this node's cache has applied
    /// every change committed before the call (PostgreSQL: a marker through the listener,
    /// waited for at most [`POLL`], else the cache is emptied; SQLite: nothing to do, the
    /// connections' hooks tell [`AuthCache::fresh`]).
    pub async fn settle(&self, db: &Db) {
        match &self.0.feed {
            Feed::Sqlite { .. } => {}
            Feed::Postgres {
                listening,
                markers,
                next_marker,
                node,
            } => {
                if !listening.load(SeqCst) {
                    return;
                }
                let id = next_marker.fetch_add(1, SeqCst);
                let (tx, rx) = tokio::sync::oneshot::channel();
                markers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id, tx);
                let sent = query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(format!("m{node}.{id}"))
                    .execute(db)
                    .await;
                let seen = match sent {
                    Ok(_) => tokio::time::timeout(POLL, rx)
                        .await
                        .is_ok_and(|r| r.is_ok()),
                    Err(_) => false,
                };
                if !seen {
                    markers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                    tracing::warn!("auth change listener behind; cache emptied");
                    self.clear();
                }
            }
        }
    }

    /// Feeds the cache for as long as the app runs: on SQLite, reads other processes' changes
    /// every [`POLL`] and deletes change rows older than an hour; on PostgreSQL, listens on
    /// [`CHANNEL`] and reconnects after [`POLL`] when the connection drops.
    pub async fn run(self, db: Db) {
        match &db {
            Db::Sqlite(pool) => {
                let mut ticks = tokio::time::interval(POLL);
                let mut n: u64 = 0;
                loop {
                    ticks.tick().await;
                    if pool.is_closed() {
                        return;
                    }
                    self.catch_up(&db).await;
                    n += 1;
                    if n.is_multiple_of(60) {
                        let pruned = query(
                            "DELETE FROM auth_changes \
                             WHERE at < CAST(strftime('%s', 'now') AS INTEGER) - $1",
                        )
                        .bind(KEEP_CHANGES)
                        .execute(&db)
                        .await;
                        if let Err(e) = pruned {
                            tracing::warn!(error = %e, "auth change log prune failed");
                        }
                    }
                }
            }
            Db::Postgres(pool) => loop {
                let ended = self.listen(pool).await;
                self.stop_listening();
                if pool.is_closed() {
                    return;
                }
                if let Err(e) = ended {
                    tracing::warn!(error = %e, "auth change listener lost; cache bypassed");
                }
                tokio::time::sleep(POLL).await;
            },
        }
    }

    fn stop_listening(&self) {
        if let Feed::Postgres { listening, .. } = &self.0.feed {
            listening.store(false, SeqCst);
        }
        self.clear();
    }

    /// Listens until the connection fails.
    async fn listen(&self, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let Feed::Postgres {
            listening,
            markers,
            node,
            ..
        } = &self.0.feed
        else {
            return Ok(());
        };
        // The listener ends when the pool closes (at shutdown), so the pool's close does not
        // wait for it.
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        self.clear();
        listening.store(true, SeqCst);
        let mine = format!("m{node}.");
        loop {
            // `None`: the connection was lost (sqlx would reconnect at the next call, but
            // what was sent meanwhile is lost): start over with an empty cache.
            let Some(note) = listener.try_recv().await? else {
                return Err(sqlx::Error::PoolClosed);
            };
            let payload = note.payload();
            if let Ok(user) = payload.parse::<i64>() {
                self.forget_user(user);
            } else if let Some(id) = payload.strip_prefix(&mine) {
                if let Some(waiting) = id.parse::<u64>().ok().and_then(|id| {
                    markers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id)
                }) {
                    let _ = waiting.send(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> AuthCache {
        AuthCache(Arc::new(Shared {
            entries: Mutex::new(Entries::default()),
            generation: AtomicU64::new(0),
            feed: Feed::Postgres {
                listening: AtomicBool::new(true),
                markers: Mutex::new(HashMap::new()),
                next_marker: AtomicU64::new(0),
                node: 1,
            },
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }))
    }

    fn ticket(c: &AuthCache) -> Ticket {
        Ticket(c.0.generation.load(SeqCst))
    }

    #[test]
    fn a_user_change_drops_that_users_entries_only() {
        let c = cache();
        c.put(ticket(&c), Key::Session(1), 7, "ann's session".to_string());
        c.put(
            ticket(&c),
            Key::Token([1; 32]),
            7,
            "ann's token".to_string(),
        );
        c.put(ticket(&c), Key::Session(2), 8, "bob's session".to_string());
        c.forget_user(7);
        let t = ticket(&c);
        assert!(c.get::<String>(t, &Key::Session(1)).is_none());
        assert!(c.get::<String>(t, &Key::Token([1; 32])).is_none());
        assert_eq!(
            c.get::<String>(t, &Key::Session(2))
                .as_deref()
                .map(String::as_str),
            Some("bob's session")
        );
        assert_eq!(c.hits_and_misses(), (1, 2));
    }

    #[test]
    fn a_value_read_before_an_invalidation_is_not_stored_after_it() {
        let c = cache();
        let before = ticket(&c);
        c.forget_user(7); // the change lands while the value is being read
        c.put(before, Key::Session(1), 7, 1u8);
        assert!(c.is_empty());
        c.put(ticket(&c), Key::Session(1), 7, 1u8);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let c = cache();
        for i in 0..(CAPACITY as i64 + 10) {
            c.put(ticket(&c), Key::Session(i), i % 100, i);
        }
        assert_eq!(c.len(), CAPACITY);
        let entries = c.entries();
        let indexed: usize = entries.by_user.values().map(Vec::len).sum();
        assert_eq!(
            indexed, CAPACITY,
            "the user index holds exactly the entries"
        );
    }
}
