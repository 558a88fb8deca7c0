//! Throttling of login attempts per account and per client IP, of sign-ups and password hints
//! per IP, and of API calls per token (`shared/SECURITY.md`, Login; OWASP ASVS 4.0.3 V2.2.1).
//!
//! Each key (an account name, a client IP) gets a few free failures; after that every further
//! failure doubles the wait before the next attempt (1 s, 2 s, 4 s, ... at most 15 min), and an
//! account takes at most 100 failures an hour. An attempt is counted as a failure *before* its
//! password is checked ([`Throttle::login_attempt`]: the check and the count are one step under
//! one lock), and a success takes it back, so attempts sent at the same moment are limited
//! exactly like attempts sent one after another. Unknown names are throttled exactly like real
//! ones, so a 429 tells nothing about whether an account exists.
//!
//! Keys are bounded: an account name is kept as the SHA-256 of its normalised text (32 bytes
//! whatever was typed), IPv6 addresses by their /64 (one customer's network), and each table
//! holds at most [`MAX_KEYS`] keys, dropping the longest idle first. An IP's count decays when
//! its hour rolls over and on its next success, so a shared address (NAT, proxy) is never
//! locked out for good. State is in memory: a restart forgets it, which only ever helps a
//! legitimate user. On PostgreSQL the same rules are kept in the database for every node
//! ([`Limiter`], `shared.rs`); this in-memory state is then the fallback should it fail.

use std::{
    collections::HashMap,
    hash::Hash,
    net::{IpAddr, Ipv6Addr},
    sync::Mutex,
};

use sha2::{Digest, Sha256};

/// How many failures a key gets before waits start.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures per account before the first wait.
    pub account_free: u32,
    /// Failures per client IP before the first wait (higher: many people can share an IP).
    pub ip_free: u32,
    /// Failures per account per hour, after which it waits out the hour.
    pub account_per_hour: u32,
    /// Sign-ups per client IP per hour.
    pub signups_per_hour: u32,
    /// API calls per personal access token per minute (a token bucket of this size, refilled
    /// evenly over the minute).
    pub api_calls_per_minute: u32,
    /// Password strength hints per client IP per minute (a token bucket, like API calls).
    pub hints_per_minute: u32,
    /// Passkey challenges per client IP per minute (each is kept in a session entry: a write).
    pub challenges_per_minute: u32,
    /// OpenID Connect token requests per client IP per minute.
    pub token_requests_per_minute: u32,
    /// Mails a client may ask for per hour ("Forgot password?", "Resend verification email",
    /// "Change email"); each address also takes at most a few an hour, counted in the outbox.
    pub mail_requests_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            account_free: 5,
            ip_free: 20,
            account_per_hour: 100,
            signups_per_hour: 10,
            api_calls_per_minute: 600,
            hints_per_minute: 60,
            challenges_per_minute: 30,
            token_requests_per_minute: 300,
            mail_requests_per_hour: 10,
        }
    }
}

/// Longest wait between attempts, in seconds.
const MAX_DELAY: i64 = 15 * 60;
const HOUR: i64 = 3600;
/// Keys a table keeps at most (bounds memory under a flood of made-up names or addresses:
/// about 100 bytes a key).
pub const MAX_KEYS: usize = 100_000;

/// An account name as a throttle key: the SHA-256 of the normalised text (lower-cased, trimmed).
type AccountKey = [u8; 32];

fn account_key(name: &str) -> AccountKey {
    Sha256::digest(name.trim().to_lowercase().as_bytes()).into()
}

/// A client address as a throttle key: IPv4 as is, IPv6 by its /64 (the smallest block one
/// customer gets, so an attacker cannot use a fresh address per attempt).
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(bits))
            }
        },
    }
}

mod shared;

pub use shared::Limiter;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Entry {
    /// Failures since the last success (or, for a decaying key, since its window started).
    failures: u32,
    /// Start of the current hour window (Unix seconds).
    window_start: i64,
    /// Failures in the current hour window.
    in_window: u32,
    /// No attempt before this time (Unix seconds).
    blocked_until: i64,
    /// Last time this entry changed.
    touched: i64,
}

impl Entry {
    /// Seconds to wait at `now`, if any.
    fn wait(&self, now: i64) -> Option<u64> {
        (self.blocked_until > now).then(|| (self.blocked_until - now) as u64)
    }

    /// Counts one failure at `now`: `free` failures before waits start (doubling from 1 s,
    /// at most [`MAX_DELAY`]), at most `per_hour` in the entry's hour window; a decaying key
    /// (an IP) forgets its failures when its hour rolls over.
    fn fail(&mut self, now: i64, free: u32, per_hour: Option<u32>, decays: bool) {
        let e = self;
        if now - e.window_start >= HOUR {
            e.window_start = now;
            e.in_window = 0;
            if decays {
                e.failures = 0;
            }
        }
        e.failures += 1;
        e.in_window += 1;
        e.touched = now;
        if e.failures >= free {
            let doublings = (e.failures - free).min(20);
            let delay = (1i64 << doublings).min(MAX_DELAY);
            e.blocked_until = e.blocked_until.max(now + delay);
        }
        if per_hour.is_some_and(|limit| e.in_window >= limit) {
            e.blocked_until = e.blocked_until.max(e.window_start + HOUR);
        }
    }

    /// Takes back one failure and lifts the wait it may have caused.
    fn forgive(&mut self) {
        self.failures = 0;
        self.in_window = self.in_window.saturating_sub(1);
        self.blocked_until = 0;
    }
}

#[derive(Debug)]
struct Table<K> {
    entries: HashMap<K, Entry>,
    /// An IP's failures decay with its hour (accounts keep theirs until a success).
    decays: bool,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new(decays: bool) -> Self {
        Self {
            entries: HashMap::new(),
            decays,
        }
    }

    fn wait(&self, key: &K, now: i64) -> Option<u64> {
        self.entries.get(key).and_then(|e| e.wait(now))
    }

    /// Makes room for one more key: first the entries that are neither blocked nor recent go,
    /// then, if that is not enough, the longest idle half.
    fn make_room(&mut self, now: i64) {
        if self.entries.len() < MAX_KEYS {
            return;
        }
        self.entries
            .retain(|_, e| e.blocked_until > now || now - e.touched < HOUR);
        if self.entries.len() >= MAX_KEYS {
            let mut touched: Vec<i64> = self.entries.values().map(|e| e.touched).collect();
            let (_, median, _) = touched.select_nth_unstable(MAX_KEYS / 2);
            let median = *median;
            self.entries.retain(|_, e| e.touched > median);
        }
    }

    fn fail(&mut self, key: &K, now: i64, free: u32, per_hour: Option<u32>) {
        if !self.entries.contains_key(key) {
            self.make_room(now);
        }
        let decays = self.decays;
        self.entries
            .entry(key.clone())
            .or_default()
            .fail(now, free, per_hour, decays);
    }

    /// Takes back one failure (an attempt that turned out to succeed) and lifts the wait it
    /// may have caused.
    fn forgive(&mut self, key: &K) {
        if let Some(e) = self.entries.get_mut(key) {
            e.forgive();
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A token bucket per key: `capacity` calls, refilled evenly over a minute.
#[derive(Debug)]
struct Buckets<K>(HashMap<K, (f64, std::time::Instant)>);

impl<K> Default for Buckets<K> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K: Eq + Hash> Buckets<K> {
    /// Counts one call by `key`: `None` when it may go ahead, else the seconds until its bucket
    /// has a call again.
    fn take(&mut self, key: K, per_minute: u32) -> Option<u64> {
        let capacity = f64::from(per_minute.max(1));
        let per_second = capacity / 60.0;
        let now = std::time::Instant::now();
        if self.0.len() >= MAX_KEYS {
            // Forget full buckets: they behave exactly like new ones.
            self.0.retain(|_, (left, at)| {
                *left + now.duration_since(*at).as_secs_f64() * per_second < capacity
            });
        }
        if self.0.len() >= MAX_KEYS {
            self.0.clear();
        }
        let (left, at) = self.0.entry(key).or_insert((capacity, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if *left >= 1.0 {
            *left -= 1.0;
            None
        } else {
            Some(((1.0 - *left) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The throttle state of one server.
#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    accounts: Mutex<Table<AccountKey>>,
    ips: Mutex<Table<IpAddr>>,
    signups: Mutex<Table<IpAddr>>,
    /// Per client: mails asked for this hour.
    mail_requests: Mutex<Table<IpAddr>>,
    /// Per token: calls left in its bucket and when it was last refilled.
    api_calls: Mutex<Buckets<i64>>,
    /// Per client: password strength hints left.
    hints: Mutex<Buckets<IpAddr>>,
    /// Per client: passkey challenges left.
    challenges: Mutex<Buckets<IpAddr>>,
    /// Per client: OpenID Connect token requests left.
    token_requests: Mutex<Buckets<IpAddr>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            accounts: Mutex::new(Table::new(false)),
            ips: Mutex::new(Table::new(true)),
            signups: Mutex::new(Table::new(false)),
            mail_requests: Mutex::new(Table::new(false)),
            api_calls: Mutex::default(),
            hints: Mutex::default(),
            challenges: Mutex::default(),
            token_requests: Mutex::default(),
        }
    }

    /// Asks to try a password for `account` (a normalised email, or whatever was typed) from
    /// `ip` at `now`. When neither is waiting, the attempt is counted as a failure of both
    /// right away, in the same step as the check, and `Ok` lets the caller verify the
    /// password; [`login_succeeded`](Self::login_succeeded) takes the count back.
    ///
    /// Errors: the seconds to wait (for `Retry-After`) while the account or the IP waits; then
    /// nothing is counted.
    pub fn login_attempt(&self, account: &str, ip: Option<IpAddr>, now: i64) -> Result<(), u64> {
        let account = account_key(account);
        let ip = ip.map(ip_key);
        // Always account, then IP: one lock order, so two attempts cannot deadlock.
        let mut accounts = lock(&self.accounts);
        let mut ips = lock(&self.ips);
        let by_account = accounts.wait(&account, now);
        let by_ip = ip.and_then(|ip| ips.wait(&ip, now));
        if let Some(wait) = by_account.max(by_ip) {
            return Err(wait);
        }
        accounts.fail(
            &account,
            now,
            self.limits.account_free,
            Some(self.limits.account_per_hour),
        );
        if let Some(ip) = ip {
            ips.fail(&ip, now, self.limits.ip_free, None);
        }
        Ok(())
    }

    /// The attempt of `account` from `ip` was right: the account's failures are forgotten and
    /// the IP's count starts again.
    pub fn login_succeeded(&self, account: &str, ip: Option<IpAddr>) {
        lock(&self.accounts).clear(&account_key(account));
        if let Some(ip) = ip {
            lock(&self.ips).forgive(&ip_key(ip));
        }
    }

    /// Seconds to wait before `ip` may sign up again, counting this attempt, or `None`.
    pub fn sign_up_attempt(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        Self::hourly(&self.signups, ip, now, self.limits.signups_per_hour)
    }

    /// Seconds to wait before `ip` may ask for another mail, counting this request, or `None`.
    pub fn mail_request(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        Self::hourly(
            &self.mail_requests,
            ip,
            now,
            self.limits.mail_requests_per_hour,
        )
    }

    /// Counts one request of `ip` in `table`, at most `limit` an hour: the seconds to wait, or
    /// `None` when it may go ahead. A request with no known address is not counted.
    fn hourly(
        table: &Mutex<Table<IpAddr>>,
        ip: Option<IpAddr>,
        now: i64,
        limit: u32,
    ) -> Option<u64> {
        let ip = ip_key(ip?);
        let mut table = lock(table);
        if let Some(wait) = table.wait(&ip, now) {
            return Some(wait);
        }
        table.fail(&ip, now, u32::MAX, Some(limit));
        None
    }

    /// Counts one API call by token `token_id`: `None` when it may go ahead, else the seconds
    /// until the token's bucket has a call again (for `Retry-After`).
    pub fn api_call(&self, token_id: i64) -> Option<u64> {
        lock(&self.api_calls).take(token_id, self.limits.api_calls_per_minute)
    }

    /// Counts one password strength hint asked for by `ip`: `None` when it may go ahead, else
    /// the seconds to wait. A request with no known address shares one bucket.
    pub fn hint(&self, ip: Option<IpAddr>) -> Option<u64> {
        let key = ip.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), ip_key);
        lock(&self.hints).take(key, self.limits.hints_per_minute)
    }

    /// Counts one passkey challenge asked for by `ip`: `None` when it may go ahead, else the
    /// seconds to wait.
    pub fn challenge(&self, ip: Option<IpAddr>) -> Option<u64> {
        let key = ip.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), ip_key);
        lock(&self.challenges).take(key, self.limits.challenges_per_minute)
    }

    /// Counts one OpenID Connect token request from `ip`: `None` when it may go ahead, else the
    /// seconds to wait.
    pub fn token_request(&self, ip: Option<IpAddr>) -> Option<u64> {
        let key = ip.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), ip_key);
        lock(&self.token_requests).take(key, self.limits.token_requests_per_minute)
    }

    /// How many keys the login tables hold, `(accounts, IPs)`, and the bytes their keys and
    /// entries take (a fixed size a key, whatever was typed; the map's own overhead aside).
    pub fn login_footprint(&self) -> (usize, usize, usize) {
        let accounts = lock(&self.accounts).len();
        let ips = lock(&self.ips).len();
        let entry = std::mem::size_of::<Entry>();
        let bytes = accounts * (std::mem::size_of::<AccountKey>() + entry)
            + ips * (std::mem::size_of::<IpAddr>() + entry);
        (accounts, ips, bytes)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain counters behind: still usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    /// A failed attempt: asked for, then not succeeded.
    fn fail(t: &Throttle, account: &str, ip: Option<IpAddr>, now: i64) -> Result<(), u64> {
        t.login_attempt(account, ip, now)
    }

    #[test]
    fn five_free_failures_then_doubling_waits() {
        let t = Throttle::new(Limits::default());
        let now = 1_000;
        for _ in 0..5 {
            assert_eq!(fail(&t, "ann@example.org", IP, now), Ok(()));
        }
        assert_eq!(fail(&t, "ann@example.org", IP, now), Err(1));
        assert_eq!(fail(&t, "ann@example.org", IP, now + 1), Ok(()));
        assert_eq!(fail(&t, "ann@example.org", IP, now + 1), Err(2));
        assert_eq!(fail(&t, "ann@example.org", IP, now + 3), Ok(()));
        assert_eq!(fail(&t, "ann@example.org", IP, now + 3), Err(4));
        // Another account from another IP is not affected.
        assert_eq!(fail(&t, "bob@example.org", None, now + 3), Ok(()));
    }

    #[test]
    fn a_refused_attempt_counts_nothing() {
        let t = Throttle::new(Limits::default());
        for _ in 0..5 {
            fail(&t, "ann@example.org", None, 0).unwrap();
        }
        for _ in 0..100 {
            assert_eq!(fail(&t, "ann@example.org", None, 0), Err(1));
        }
        // Still the first wait: the refused attempts did not double it.
        assert_eq!(fail(&t, "ann@example.org", None, 1), Ok(()));
        assert_eq!(fail(&t, "ann@example.org", None, 1), Err(2));
    }

    #[test]
    fn waits_are_capped_at_fifteen_minutes() {
        let t = Throttle::new(Limits {
            account_per_hour: u32::MAX,
            ..Limits::default()
        });
        let mut now = 0;
        let mut last = 0;
        for _ in 0..40 {
            match fail(&t, "ann@example.org", None, now) {
                Ok(()) => {}
                Err(wait) => {
                    last = wait;
                    now += wait as i64;
                }
            }
        }
        assert_eq!(last, 900);
    }

    #[test]
    fn success_clears_the_account_and_names_are_normalised() {
        let t = Throttle::new(Limits::default());
        for _ in 0..5 {
            fail(&t, "ann@example.org", None, 0).unwrap();
        }
        assert!(fail(&t, " ANN@example.org ", None, 0).is_err());
        t.login_succeeded("ann@example.org", None);
        assert_eq!(fail(&t, "ann@example.org", None, 0), Ok(()));
    }

    #[test]
    fn an_ip_is_throttled_across_accounts_and_decays() {
        let t = Throttle::new(Limits::default());
        for i in 0..20 {
            fail(&t, &format!("user{i}@example.org"), IP, 0).unwrap();
        }
        assert_eq!(fail(&t, "fresh@example.org", IP, 0), Err(1));
        assert_eq!(fail(&t, "fresh@example.org", None, 0), Ok(()));
        // An hour later the IP starts again with its free failures.
        for i in 0..19 {
            assert_eq!(
                fail(&t, &format!("later{i}@example.org"), IP, HOUR + 1),
                Ok(())
            );
        }
    }

    #[test]
    fn a_success_from_an_ip_forgives_its_failures() {
        let t = Throttle::new(Limits::default());
        for i in 0..19 {
            fail(&t, &format!("user{i}@example.org"), IP, 0).unwrap();
        }
        fail(&t, "ann@example.org", IP, 0).unwrap();
        t.login_succeeded("ann@example.org", IP);
        for i in 0..19 {
            assert_eq!(fail(&t, &format!("again{i}@example.org"), IP, 0), Ok(()));
        }
    }

    #[test]
    fn ipv6_is_counted_by_its_64_bit_prefix() {
        let t = Throttle::new(Limits::default());
        let addr = |last: u16| {
            Some(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 1, 2, 3, 4, 5, last,
            )))
        };
        for i in 0..20 {
            fail(&t, &format!("user{i}@example.org"), addr(i), 0).unwrap();
        }
        assert_eq!(fail(&t, "fresh@example.org", addr(999), 0), Err(1));
        let other = Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1)));
        assert_eq!(fail(&t, "fresh@example.org", other, 0), Ok(()));
        assert_eq!(
            ip_key("::ffff:10.0.0.1".parse().unwrap()),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn keys_are_fixed_size_and_bounded_in_number() {
        let t = Throttle::new(Limits::default());
        let long = "x".repeat(60 * 1024);
        fail(&t, &long, None, 0).unwrap();
        assert_eq!(std::mem::size_of::<AccountKey>(), 32);
        let mut table = Table::new(false);
        for i in 0..(MAX_KEYS as u64 + 10) {
            // All recent and none blocked: only the idle-half rule can make room.
            table.fail(&i, i as i64 / 1000, u32::MAX, None);
        }
        assert!(table.len() <= MAX_KEYS, "{}", table.len());
        assert!(
            table.entries.contains_key(&(MAX_KEYS as u64 + 9)),
            "the newest stays"
        );
    }

    #[test]
    fn at_most_100_account_failures_an_hour() {
        let t = Throttle::new(Limits {
            account_free: u32::MAX,
            ..Limits::default()
        });
        for i in 0..100 {
            assert_eq!(fail(&t, "ann@example.org", None, i), Ok(()));
        }
        assert_eq!(fail(&t, "ann@example.org", None, 100), Err(3500));
        assert_eq!(fail(&t, "ann@example.org", None, 3600), Ok(()));
    }

    #[test]
    fn sign_ups_per_ip_per_hour() {
        let t = Throttle::new(Limits::default());
        for _ in 0..10 {
            assert_eq!(t.sign_up_attempt(IP, 0), None);
        }
        assert_eq!(t.sign_up_attempt(IP, 10), Some(3590));
        assert_eq!(t.sign_up_attempt(IP, 3600), None);
    }

    #[test]
    fn api_calls_beyond_the_bucket_wait() {
        let throttle = Throttle::new(Limits {
            api_calls_per_minute: 3,
            ..Limits::default()
        });
        for _ in 0..3 {
            assert_eq!(throttle.api_call(7), None);
        }
        let wait = throttle.api_call(7).expect("fourth call waits");
        // One call comes back every 20 s.
        assert!((1..=20).contains(&wait), "{wait}");
        // Another token has its own bucket.
        assert_eq!(throttle.api_call(8), None);
    }

    #[test]
    fn hints_are_limited_per_client() {
        let t = Throttle::new(Limits {
            hints_per_minute: 2,
            ..Limits::default()
        });
        assert_eq!(t.hint(IP), None);
        assert_eq!(t.hint(IP), None);
        assert!(t.hint(IP).is_some());
        assert_eq!(t.hint(Some("10.0.0.9".parse().unwrap())), None);
    }
}
