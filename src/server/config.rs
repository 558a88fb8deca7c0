//! Run-time configuration from `ROSTER_*` environment variables (and command-line flags that
//! mirror them; see `roster --help`).

use std::{sync::Arc, time::Duration};

use super::{
    clock::{Clock, SystemClock},
    throttle::Limits,
};

/// Default database: a SQLite file under `./data`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/roster.db";

/// Everything the server needs besides Leptos' own `LEPTOS_*` options.
#[derive(Debug, Clone)]
pub struct Config {
    /// sqlx database URL (`ROSTER_DATABASE_URL`): `sqlite://data/roster.db` or
    /// `postgres://roster@db.internal:5432/roster`; the scheme chooses the backend.
    pub database_url: String,
    /// Mark the session cookie `Secure` and give it the `__Host-` prefix (`ROSTER_SECURE_COOKIES`,
    /// default true). Browsers treat `http://127.0.0.1` and `http://localhost` as secure, so
    /// only plain-http deployments on other hosts need `false` (`shared/SECURITY.md`, Sessions).
    pub secure_cookies: bool,
    /// Idle timeout of a session: it ends after this long without a request (default 30 min;
    /// `ROSTER_SESSION_IDLE_TIMEOUT`; OWASP ASVS 4.0.3 V3.3.2).
    pub session_idle_timeout: Duration,
    /// Absolute timeout of a session: it ends this long after sign-in, used or not (default
    /// 12 h; `ROSTER_SESSION_ABSOLUTE_TIMEOUT`).
    pub session_absolute_timeout: Duration,
    /// Idle timeout with "Remember me" ticked (default 14 days;
    /// `ROSTER_REMEMBER_ME_IDLE_TIMEOUT`).
    pub remember_me_idle_timeout: Duration,
    /// Absolute timeout with "Remember me" ticked (default 30 days;
    /// `ROSTER_REMEMBER_ME_ABSOLUTE_TIMEOUT`).
    pub remember_me_absolute_timeout: Duration,
    /// Longest time a request may take, body reading included; after it the answer is 408
    /// (default 30 s; `shared/SECURITY.md`, Requests).
    pub request_timeout: Duration,
    /// How often ended sessions are purged from the database (default 1 min).
    pub session_purge_period: Duration,
    /// A connection that does not deliver a request's headers within this long (including an
    /// idle keep-alive connection waiting for its next request, and a TLS handshake) is closed
    /// (default 20 s; `ROSTER_HEADER_READ_TIMEOUT`; `shared/SECURITY.md`, Connections).
    pub header_read_timeout: Duration,
    /// Open connections served at once; further ones wait in the listen queue (default 1024;
    /// `ROSTER_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Proxies whose `X-Forwarded-For` is believed (`ROSTER_TRUSTED_PROXIES`, CIDRs; default
    /// none): when the TCP peer is one of them, the client is the right-most address in the
    /// header that is not itself a trusted proxy. See [`crate::server::context`].
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve HTTPS with this certificate chain and key (PEM files; `ROSTER_TLS_CERT_FILE`,
    /// `ROSTER_TLS_KEY_FILE`); `None` serves plain HTTP (behind a TLS proxy, or on localhost).
    pub tls: Option<TlsFiles>,
    /// Login and sign-up throttling limits.
    pub throttle: Limits,
    /// The time source (tests use a manual one).
    pub clock: Arc<dyn Clock>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_string(),
            secure_cookies: true,
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 3600),
            remember_me_idle_timeout: Duration::from_secs(14 * 24 * 3600),
            remember_me_absolute_timeout: Duration::from_secs(30 * 24 * 3600),
            request_timeout: Duration::from_secs(30),
            session_purge_period: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(20),
            max_connections: 1024,
            trusted_proxies: Vec::new(),
            tls: None,
            throttle: Limits::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl Config {
    /// The idle and absolute timeouts of a new session, with or without "Remember me".
    pub fn session_timeouts(&self, remember_me: bool) -> SessionTimeouts {
        if remember_me {
            SessionTimeouts {
                idle: self.remember_me_idle_timeout,
                absolute: self.remember_me_absolute_timeout,
            }
        } else {
            SessionTimeouts {
                idle: self.session_idle_timeout,
                absolute: self.session_absolute_timeout,
            }
        }
    }

    /// Name of the session cookie: `__Host-roster_session` when secure (the prefix makes the
    /// browser insist on `Secure`, `Path=/` and no `Domain`), else `roster_session`.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-roster_session"
        } else {
            "roster_session"
        }
    }
}

/// The PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

/// Parses `ROSTER_TRUSTED_PROXIES`: comma-separated CIDRs (`10.0.0.0/8, ::1/128`) or bare
/// addresses (a single host). Empty text trusts nobody.
///
/// Errors (as a message): an entry that is neither.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{entry:?} is not an address or CIDR block (like 10.0.0.0/8)"))
        })
        .collect()
}

/// How long a session may stay unused (`idle`) and live at all (`absolute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_cidrs_or_hosts() {
        let proxies = parse_trusted_proxies(" 10.0.0.0/8, 192.0.2.7 ,::1/128,").unwrap();
        assert_eq!(proxies.len(), 3);
        assert!(proxies[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_trusted_proxies("").unwrap().is_empty());
        assert!(parse_trusted_proxies("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxies("nginx").is_err());
    }
}
