//! Throttling of login attempts per account and per client IP, and of sign-ups per IP
//! (`shared/SECURITY.md`, Login; OWASP ASVS 4.0.3 V2.2.1).
//!
//! Each key (an account's email, a client IP) gets a few free failures; after that every
//! further failure doubles the wait before the next attempt (1 s, 2 s, 4 s, ... at most 15
//! min), and an account takes at most 100 failures an hour. Success clears the account's
//! count. Unknown emails are throttled exactly like real ones, so a 429 tells nothing about
//! whether an account exists. State is in memory: a restart forgets it, which only ever helps
//! a legitimate user.

use std::{collections::HashMap, hash::Hash, net::IpAddr, sync::Mutex};

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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            account_free: 5,
            ip_free: 20,
            account_per_hour: 100,
            signups_per_hour: 10,
            api_calls_per_minute: 600,
        }
    }
}

/// Longest wait between attempts, in seconds.
const MAX_DELAY: i64 = 15 * 60;
const HOUR: i64 = 3600;
/// Keys kept before idle ones are dropped (bounds memory under a flood of made-up emails).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// Failures since the last success (or since the window started).
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

#[derive(Debug)]
struct Table<K>(HashMap<K, Entry>);

impl<K> Default for Table<K> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn wait(&self, key: &K, now: i64) -> Option<u64> {
        self.0
            .get(key)
            .filter(|e| e.blocked_until > now)
            .map(|e| (e.blocked_until - now) as u64)
    }

    fn fail(&mut self, key: &K, now: i64, free: u32, per_hour: Option<u32>) {
        if self.0.len() >= MAX_KEYS {
            self.0
                .retain(|_, e| e.blocked_until > now || now - e.touched < HOUR);
        }
        let e = self.0.entry(key.clone()).or_default();
        if now - e.window_start >= HOUR {
            e.window_start = now;
            e.in_window = 0;
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

    fn clear(&mut self, key: &K) {
        self.0.remove(key);
    }
}

/// The throttle state of one server.
#[derive(Debug, Default)]
pub struct Throttle {
    limits: Limits,
    accounts: Mutex<Table<String>>,
    ips: Mutex<Table<IpAddr>>,
    signups: Mutex<Table<IpAddr>>,
    /// Per token: calls left in its bucket and when it was last refilled.
    api_calls: Mutex<HashMap<i64, (f64, std::time::Instant)>>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Seconds to wait before a login for `account` (a normalised email, or the raw text typed)
    /// from `ip` may be tried, or `None` when it may be tried now.
    pub fn login_wait(&self, account: &str, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        let by_account = lock(&self.accounts).wait(&account.to_string(), now);
        let by_ip = ip.and_then(|ip| lock(&self.ips).wait(&ip, now));
        by_account.max(by_ip)
    }

    /// Counts a failed login.
    pub fn login_failed(&self, account: &str, ip: Option<IpAddr>, now: i64) {
        lock(&self.accounts).fail(
            &account.to_string(),
            now,
            self.limits.account_free,
            Some(self.limits.account_per_hour),
        );
        if let Some(ip) = ip {
            lock(&self.ips).fail(&ip, now, self.limits.ip_free, None);
        }
    }

    /// Forgets the account's failures after a successful login.
    pub fn login_succeeded(&self, account: &str) {
        lock(&self.accounts).clear(&account.to_string());
    }

    /// Seconds to wait before `ip` may sign up again, counting this attempt, or `None`.
    pub fn sign_up_attempt(&self, ip: Option<IpAddr>, now: i64) -> Option<u64> {
        let ip = ip?;
        let mut table = lock(&self.signups);
        if let Some(wait) = table.wait(&ip, now) {
            return Some(wait);
        }
        let limit = self.limits.signups_per_hour;
        table.fail(&ip, now, u32::MAX, Some(limit));
        None
    }
}

impl Throttle {
    /// Counts one API call by token `token_id`: `None` when it may go ahead, else the seconds
    /// until the token's bucket has a call again (for `Retry-After`).
    pub fn api_call(&self, token_id: i64) -> Option<u64> {
        let capacity = f64::from(self.limits.api_calls_per_minute.max(1));
        let per_second = capacity / 60.0;
        let now = std::time::Instant::now();
        let mut buckets = lock(&self.api_calls);
        if buckets.len() >= MAX_KEYS {
            // Forget full buckets: they behave exactly like new ones.
            buckets.retain(|_, (left, at)| {
                *left + now.duration_since(*at).as_secs_f64() * per_second < capacity
            });
        }
        let (left, at) = buckets.entry(token_id).or_insert((capacity, now));
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain counters behind: still usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn five_free_failures_then_doubling_waits() {
        let t = Throttle::new(Limits::default());
        let now = 1_000;
        for _ in 0..4 {
            t.login_failed("ann@example.org", IP, now);
            assert_eq!(t.login_wait("ann@example.org", IP, now), None);
        }
        t.login_failed("ann@example.org", IP, now);
        assert_eq!(t.login_wait("ann@example.org", IP, now), Some(1));
        t.login_failed("ann@example.org", IP, now + 1);
        assert_eq!(t.login_wait("ann@example.org", IP, now + 1), Some(2));
        t.login_failed("ann@example.org", IP, now + 3);
        assert_eq!(t.login_wait("ann@example.org", IP, now + 3), Some(4));
        assert_eq!(t.login_wait("ann@example.org", IP, now + 7), None);
        // Another account from another IP is not affected.
        assert_eq!(t.login_wait("bob@example.org", None, now + 3), None);
    }

    #[test]
    fn waits_are_capped_at_fifteen_minutes() {
        let t = Throttle::new(Limits {
            account_per_hour: u32::MAX,
            ..Limits::default()
        });
        let mut now = 0;
        for _ in 0..40 {
            t.login_failed("ann@example.org", None, now);
            now += t.login_wait("ann@example.org", None, now).unwrap_or(0) as i64;
        }
        t.login_failed("ann@example.org", None, now);
        assert_eq!(t.login_wait("ann@example.org", None, now), Some(900));
    }

    #[test]
    fn success_clears_the_account() {
        let t = Throttle::new(Limits::default());
        for _ in 0..5 {
            t.login_failed("ann@example.org", None, 0);
        }
        t.login_succeeded("ann@example.org");
        assert_eq!(t.login_wait("ann@example.org", None, 0), None);
    }

    #[test]
    fn an_ip_is_throttled_across_accounts() {
        let t = Throttle::new(Limits::default());
        for i in 0..20 {
            t.login_failed(&format!("user{i}@example.org"), IP, 0);
        }
        assert_eq!(t.login_wait("fresh@example.org", IP, 0), Some(1));
        assert_eq!(t.login_wait("fresh@example.org", None, 0), None);
    }

    #[test]
    fn at_most_100_account_failures_an_hour() {
        let t = Throttle::new(Limits {
            account_free: u32::MAX,
            ..Limits::default()
        });
        for i in 0..100 {
            t.login_failed("ann@example.org", None, i);
        }
        assert_eq!(t.login_wait("ann@example.org", None, 100), Some(3500));
        assert_eq!(t.login_wait("ann@example.org", None, 3600), None);
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
}
