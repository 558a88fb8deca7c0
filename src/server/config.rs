//! Run-time configuration from `ROSTER_*` environment variables (and command-line flags that
//! mirror them; see `roster --help`).

use std::{sync::Arc, time::Duration};

use super::{
    clock::{Clock, SystemClock},
    throttle::Limits,
};

/// Default database: a SQLite file under `./data`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/roster.db";

/// The data key file when `ROSTER_SECRET_KEY_FILE` is not set.
pub const DEFAULT_SECRET_KEY_FILE: &str = "data/secret.key";

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
    /// Mail: SMTP, sender, links, verification mode, delivery timing.
    pub mail: MailConfig,
    /// The data key file that seals the secrets Roster must read back (TOTP seeds):
    /// `ROSTER_SECRET_KEY_FILE`, default `data/secret.key`, made on first start (mode 0600).
    /// See [`crate::server::keyring`].
    pub secret_key_file: std::path::PathBuf,
    /// An administrator without a second factor is sent to `/settings/security` before the
    /// console opens (`ROSTER_REQUIRE_2FA_FOR_ADMINS`, default false).
    pub require_2fa_for_admins: bool,
    /// Lifetime of OpenID Connect access and ID tokens (`ROSTER_OIDC_ACCESS_TOKEN_LIFETIME`,
    /// default 10 min; at most a day, as long as a rotated signing key stays published).
    pub oidc_access_token_lifetime: Duration,
    /// Lifetime of OpenID Connect refresh tokens (`ROSTER_OIDC_REFRESH_TOKEN_LIFETIME`,
    /// default 30 days).
    pub oidc_refresh_token_lifetime: Duration,
    /// The time source (tests use a manual one).
    pub clock: Arc<dyn Clock>,
}

/// Whether sign-up waits for a confirmed address (`ROSTER_EMAIL_VERIFICATION`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmailVerification {
    /// Sign-up signs the person in at once; a notice asks them to confirm their address.
    #[default]
    Optional,
    /// Sign-up always answers "Check your inbox" (for new and registered addresses alike);
    /// the mailed link signs the new person in, and an unconfirmed address cannot sign in.
    Required,
}

impl EmailVerification {
    /// Parses `optional` or `required`.
    ///
    /// Errors (as a message): anything else.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            other => Err(format!("{other:?} is not optional or required")),
        }
    }
}

/// How mail is sent and what its links point to.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `ROSTER_SMTP_URL` in lettre's URL form; `None`: nothing is sent, mails wait in the
    /// outbox (`/admin/outbox`).
    pub smtp_url: Option<String>,
    /// `ROSTER_MAIL_FROM` (default `Roster <roster@localhost>`).
    pub from: String,
    /// `ROSTER_PUBLIC_URL`: the origin put in mailed links, e.g. `https://id.example.org`
    /// (no trailing slash). Required once SMTP is set; without it links name the address the
    /// server listens on.
    pub public_url: Option<String>,
    /// `ROSTER_EMAIL_VERIFICATION`.
    pub verification: EmailVerification,
    /// How long a worker holds a claimed mail before another may take it (default 60 s;
    /// longer than an SMTP conversation may last). A node killed while sending loses nothing:
    /// the mail is sent again once its lease runs out (at least once).
    pub lease: Duration,
    /// How often the delivery worker looks for due mail when nothing woke it (default 5 s).
    pub poll: Duration,
    /// Attempts before a mail that keeps failing is marked failed (default 8: retried over
    /// about two hours).
    pub max_attempts: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: super::mailer::DEFAULT_FROM.to_string(),
            public_url: None,
            verification: EmailVerification::Optional,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(5),
            max_attempts: 8,
        }
    }
}

/// Checks `ROSTER_PUBLIC_URL`: an `http` or `https` origin (no path, query or fragment);
/// returns it without a trailing slash.
///
/// Errors (as a message): anything else.
pub fn parse_public_url(text: &str) -> Result<String, String> {
    let bad =
        || format!("{text:?} is not an origin like https://id.example.org (scheme and host only)");
    let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
    let origin_only = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty();
    if !origin_only {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
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
            mail: MailConfig::default(),
            secret_key_file: std::path::PathBuf::from(DEFAULT_SECRET_KEY_FILE),
            require_2fa_for_admins: false,
            oidc_access_token_lifetime: Duration::from_secs(10 * 60),
            oidc_refresh_token_lifetime: Duration::from_secs(30 * 24 * 3600),
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

    #[test]
    fn the_public_url_is_an_origin() {
        assert_eq!(
            parse_public_url("https://id.example.org/").unwrap(),
            "https://id.example.org"
        );
        assert_eq!(
            parse_public_url("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in [
            "id.example.org",
            "ftp://id.example.org",
            "https://id.example.org/roster",
            "https://id.example.org/?a=1",
            "https://u@id.example.org",
            "",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            EmailVerification::parse("required"),
            Ok(EmailVerification::Required)
        );
        assert!(EmailVerification::parse("sometimes").is_err());
    }
}
