//! The `roster` command line: its options (each mirrors a `ROSTER_*` variable) and
//! subcommands, and what each subcommand does.

use std::time::Duration;

use clap::{Parser, Subcommand};
use roster::{
    app::serve::serve,
    server::{
        config::{EmailVerification, MailConfig, DEFAULT_DATABASE_URL},
        db,
        throttle::Limits,
        AppState, Config,
    },
};

const ENVIRONMENT_HELP: &str = "\
Environment (durations like 90s, 30m, 12h, 14days):
  ROSTER_DATABASE_URL                  sqlite://FILE, or postgres://USER@HOST:PORT/DB for PostgreSQL 14+
                                       [default: sqlite://data/roster.db]
  ROSTER_SECURE_COOKIES                true|false: Secure + __Host- session cookie [default: true]
  ROSTER_SIGNUPS_PER_IP_PER_HOUR       sign-ups per client IP per hour [default: 10]
  ROSTER_SESSION_IDLE_TIMEOUT          a session ends after this long unused [default: 30m]
  ROSTER_SESSION_ABSOLUTE_TIMEOUT      a session ends this long after sign-in [default: 12h]
  ROSTER_REMEMBER_ME_IDLE_TIMEOUT      idle timeout with 'Remember me' [default: 14days]
  ROSTER_REMEMBER_ME_ABSOLUTE_TIMEOUT  absolute timeout with 'Remember me' [default: 30days]
  ROSTER_API_CALLS_PER_MINUTE          API calls per token per minute [default: 600]
  ROSTER_TRUSTED_PROXIES               proxies whose X-Forwarded-For names the client, as CIDRs,
                                       e.g. 127.0.0.1/32,10.0.0.0/8 [default: none]
  ROSTER_TLS_CERT_FILE                 serve HTTPS with this PEM certificate chain [default: none]
  ROSTER_TLS_KEY_FILE                  ... and this PEM private key (both or neither; SIGHUP
                                       reads them again) [default: none]
  ROSTER_HEADER_READ_TIMEOUT           a connection must send its headers within this
                                       [default: 20s]
  ROSTER_MAX_CONNECTIONS               open connections served at once [default: 1024]
  ROSTER_WORKER_STALL_AFTER            a runtime worker without progress this long is stalled
                                       (/readyz answers 503) [default: 10s]
  ROSTER_PUBLIC_URL                    the origin mailed links start with, e.g. https://id.example.org
                                       (required with ROSTER_SMTP_URL) [default: http://LEPTOS_SITE_ADDR]
  ROSTER_SMTP_URL                      send mail through this SMTP server: smtp://host:25,
                                       smtp://user:pass@host:587?tls=required, smtps://host:465
                                       [default: none: mail waits in /admin/outbox]
  ROSTER_MAIL_FROM                     the sender of every mail [default: Roster <roster@localhost>]
  ROSTER_EMAIL_VERIFICATION            optional (sign-up signs in, a notice asks to confirm) or
                                       required (confirm by link before signing in) [default: optional]
  ROSTER_MAIL_LEASE                    how long a node holds a mail it is sending before another
                                       may [default: 60s]
  ROSTER_SECRET_KEY_FILE               the data key file sealing stored secrets (TOTP seeds), made
                                       on first start with mode 0600; back it up with the database
                                       [default: data/secret.key]
  ROSTER_REQUIRE_2FA_FOR_ADMINS        true|false: administrators set up a second factor before
                                       the admin console opens [default: false]
  ROSTER_OIDC_ACCESS_TOKEN_LIFETIME    OpenID Connect access and ID tokens live this long (at most
                                       24h) [default: 10m]
  ROSTER_OIDC_REFRESH_TOKEN_LIFETIME   OpenID Connect refresh tokens live this long [default: 30days]
  ROSTER_LOG                           log filter, e.g. info or roster=debug [default: info]
  LEPTOS_SITE_ADDR                     address to listen on [default: 127.0.0.1:3000]
  LEPTOS_SITE_ROOT                     folder of the built site (wasm, JS, CSS) [default: target/site]";

/// Roster: self-hosted accounts and profiles server.
#[derive(Parser)]
#[command(version, about, after_help = ENVIRONMENT_HELP)]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (the file and its folder are created on first start) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (PostgreSQL 14 or newer, database made
    /// beforehand); any other scheme is refused.
    #[arg(long, env = "ROSTER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,

    /// Mark the session cookie Secure with the __Host- prefix. Browsers accept such cookies
    /// over plain http only on localhost/127.0.0.1; set false only for a plain-http deployment
    /// elsewhere.
    #[arg(long, env = "ROSTER_SECURE_COOKIES", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    secure_cookies: bool,

    /// Sign-ups allowed per client IP per hour.
    #[arg(
        long,
        env = "ROSTER_SIGNUPS_PER_IP_PER_HOUR",
        default_value_t = 10,
        global = true
    )]
    signups_per_ip_per_hour: u32,

    /// API calls allowed per personal access token per minute (then 429 with Retry-After).
    #[arg(
        long,
        env = "ROSTER_API_CALLS_PER_MINUTE",
        default_value_t = 600,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    api_calls_per_minute: u32,

    /// Proxies whose X-Forwarded-For header names the client: comma-separated CIDRs or
    /// addresses (e.g. 127.0.0.1/32,10.0.0.0/8). When the TCP peer is one of them, the client
    /// is the right-most address in the header that is not itself a trusted proxy; anyone
    /// else's header is ignored. Empty: trust nobody.
    #[arg(long, env = "ROSTER_TRUSTED_PROXIES", default_value = "", value_parser = trusted_proxies, global = true)]
    trusted_proxies: TrustedProxies,

    /// Serve HTTPS (TLS 1.2+, HTTP/2 and HTTP/1.1) with this PEM certificate chain; needs
    /// --tls-key-file too. SIGHUP reads both files again.
    #[arg(long, env = "ROSTER_TLS_CERT_FILE", global = true)]
    tls_cert_file: Option<std::path::PathBuf>,

    /// The PEM private key of --tls-cert-file.
    #[arg(long, env = "ROSTER_TLS_KEY_FILE", global = true)]
    tls_key_file: Option<std::path::PathBuf>,

    /// A connection that does not send a request's headers within this long (or, with TLS,
    /// finish its handshake) is closed; idle keep-alive connections too.
    #[arg(long, env = "ROSTER_HEADER_READ_TIMEOUT", default_value = "20s", value_parser = timeout, global = true)]
    header_read_timeout: Duration,

    /// A runtime worker that makes no progress for this long counts as stalled: it is logged,
    /// counted in /metrics (runtime_workers_stalled) and makes /readyz answer 503.
    #[arg(long, env = "ROSTER_WORKER_STALL_AFTER", default_value = "10s", value_parser = timeout, global = true)]
    worker_stall_after: Duration,

    /// Open connections served at once; further ones wait until one closes.
    #[arg(
        long,
        env = "ROSTER_MAX_CONNECTIONS",
        default_value_t = 1024,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    max_connections: u32,

    /// A session ends after this long without a request (e.g. 30m, 1h).
    #[arg(long, env = "ROSTER_SESSION_IDLE_TIMEOUT", default_value = "30m", value_parser = timeout, global = true)]
    session_idle_timeout: Duration,

    /// A session ends this long after sign-in, however busy (e.g. 12h).
    #[arg(long, env = "ROSTER_SESSION_ABSOLUTE_TIMEOUT", default_value = "12h", value_parser = timeout, global = true)]
    session_absolute_timeout: Duration,

    /// Idle timeout of a session started with "Remember me".
    #[arg(long, env = "ROSTER_REMEMBER_ME_IDLE_TIMEOUT", default_value = "14days", value_parser = timeout, global = true)]
    remember_me_idle_timeout: Duration,

    /// Absolute timeout of a session started with "Remember me".
    #[arg(long, env = "ROSTER_REMEMBER_ME_ABSOLUTE_TIMEOUT", default_value = "30days", value_parser = timeout, global = true)]
    remember_me_absolute_timeout: Duration,

    /// The origin put in mailed links (scheme and host, e.g. https://id.example.org). Required
    /// once --smtp-url is set; without it links name the address the server listens on.
    #[arg(long, env = "ROSTER_PUBLIC_URL", value_parser = public_url, global = true)]
    public_url: Option<String>,

    /// Send mail through this SMTP server (lettre's URL form: smtp://host:25,
    /// smtp://user:pass@host:587?tls=required, smtps://host:465). Unset: nothing is sent and
    /// every mail waits, readable, in /admin/outbox.
    #[arg(long, env = "ROSTER_SMTP_URL", global = true, hide_env_values = true)]
    smtp_url: Option<String>,

    /// The sender of every mail.
    #[arg(long, env = "ROSTER_MAIL_FROM", default_value = roster::server::mailer::DEFAULT_FROM, global = true)]
    mail_from: String,

    /// optional: sign-up signs the person in and a notice asks them to confirm their address;
    /// required: sign-up answers "Check your inbox" (for registered addresses too) and only a
    /// confirmed address signs in.
    #[arg(long, env = "ROSTER_EMAIL_VERIFICATION", default_value = "optional", value_parser = email_verification, global = true)]
    email_verification: EmailVerification,

    /// How long a node holds a mail it is sending before another node may send it (a node
    /// killed mid-send leaves its mails for this long).
    #[arg(long, env = "ROSTER_MAIL_LEASE", default_value = "60s", value_parser = timeout, global = true)]
    mail_lease: Duration,

    /// The data key file that seals stored secrets (TOTP seeds): made on first start (mode
    /// 0600). Keep it with every backup of the database; without it a restored database
    /// refuses to start.
    #[arg(long, env = "ROSTER_SECRET_KEY_FILE", default_value = roster::server::config::DEFAULT_SECRET_KEY_FILE, global = true)]
    secret_key_file: std::path::PathBuf,

    /// Send an administrator without a second factor to /settings/security before the admin
    /// console opens.
    #[arg(long, env = "ROSTER_REQUIRE_2FA_FOR_ADMINS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    require_2fa_for_admins: bool,

    /// How long OpenID Connect access and ID tokens live (at most a day).
    #[arg(long, env = "ROSTER_OIDC_ACCESS_TOKEN_LIFETIME", default_value = "10m", value_parser = oidc_access_lifetime, global = true)]
    oidc_access_token_lifetime: Duration,

    /// How long OpenID Connect refresh tokens live (each use makes a new one).
    #[arg(long, env = "ROSTER_OIDC_REFRESH_TOKEN_LIFETIME", default_value = "30days", value_parser = timeout, global = true)]
    oidc_refresh_token_lifetime: Duration,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web app (the default when no subcommand is given).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write a consistent copy of the database to FILE (SQLite VACUUM INTO) while the server
    /// may go on serving, and check the copy. To restore: stop the server, replace the
    /// database file with the copy (deleting its -wal and -shm files), start the server.
    Backup {
        /// The copy to write; must not exist yet.
        file: std::path::PathBuf,
    },
    /// Manage personal access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the data keys that seal stored secrets.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Register apps that sign people in through Roster (OpenID Connect clients).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Add N fake users (seed-<n>@example.test, password "seeded user password") for tests and
    /// benchmarks. Never on a real database.
    Seed {
        /// How many users to add.
        #[arg(long, default_value_t = 100)]
        users: u64,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an administrator (the first one comes from here; no default account exists).
    /// The password is asked for at a prompt, or read from standard input with
    /// --password-stdin.
    Create {
        /// Sign-in email of the new administrator.
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        display_name: String,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add a new data key to ROSTER_SECRET_KEY_FILE and seal every stored secret again with
    /// it, in one transaction. Older keys stay in the file so backups made before still open;
    /// running servers read the new key when they first meet it.
    Rotate,
    /// Make new OpenID Connect token signing keys, one RS256 (RSA) and one EdDSA (Ed25519); the
    /// old ones sign no more but stay in /oauth/jwks.json for a day, so tokens they signed still
    /// verify.
    RotateSigning,
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register an OpenID Connect client and print `client_id=...` and, for a confidential
    /// client, `client_secret=...` (shown this once; only its SHA-256 is kept), each on a line
    /// of its own.
    Create {
        /// The app's name, as the consent page shows it.
        #[arg(long)]
        name: String,
        /// Where the app receives the authorization code (exact match; https://, or http:// on
        /// localhost). Repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where the app may send people after signing out (exact match). Repeat for several.
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (a browser or device app): no secret, PKCE only.
        #[arg(long)]
        public: bool,
        /// A scope it may ask for: openid, profile, email, offline_access (repeat; default
        /// openid profile email; openid is always included).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// How its ID tokens are signed: RS256 (every app accepts it) or EdDSA (Ed25519).
        #[arg(long = "id-token-alg", default_value = "RS256")]
        id_token_alg: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Make a personal access token for an existing user and print it (once) on standard
    /// output, e.g. for a script or a benchmark. The same rules as /settings/tokens apply: the
    /// users:* scopes only for administrators, at most 50 tokens per user.
    Create {
        /// Email of the token's owner.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// A scope to grant: profile:read, profile:write, users:read, users:write (repeat the
        /// option for several).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires: 7, 30, 90, 365, or "never".
        #[arg(long, default_value = "30")]
        expires: String,
    },
}

/// Parses a timeout such as `30m` or `14days` (humantime syntax); zero is refused, as it would
/// end every session at once.
fn timeout(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("a timeout must be longer than zero".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (write it like 90s, 30m, 12h or 14days)")),
    }
}

/// An access token lifetime: a duration of at most a day (a rotated signing key stays published
/// that long, so every live token verifies).
fn oidc_access_lifetime(text: &str) -> Result<Duration, String> {
    let d = timeout(text)?;
    if d > Duration::from_secs(24 * 3600) {
        return Err("access tokens may live at most a day (24h)".into());
    }
    Ok(d)
}

fn public_url(text: &str) -> Result<String, String> {
    roster::server::config::parse_public_url(text)
}

fn email_verification(text: &str) -> Result<EmailVerification, String> {
    EmailVerification::parse(text)
}

/// The parsed `--trusted-proxies`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

fn trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    roster::server::config::parse_trusted_proxies(text).map(TrustedProxies)
}

impl Cli {
    /// How long a runtime worker may go without progress (the watchdog's threshold).
    pub fn worker_stall_after(&self) -> Duration {
        self.worker_stall_after
    }

    /// The server configuration these options give.
    ///
    /// Errors (as a message): only one of the two TLS files is given; an SMTP server without
    /// a public URL, or mail settings the mailer refuses.
    fn config(&self) -> Result<Config, String> {
        if self.smtp_url.is_some() && self.public_url.is_none() {
            return Err(
                "ROSTER_SMTP_URL is set but ROSTER_PUBLIC_URL is not: mailed links need the \
                 address people reach Roster at (e.g. https://id.example.org)"
                    .into(),
            );
        }
        // Checked now, so a bad URL or sender stops start-up instead of silencing mail.
        roster::server::mailer::Mailer::new(self.smtp_url.as_deref(), &self.mail_from)?;
        let mail = MailConfig {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            public_url: self.public_url.clone(),
            verification: self.email_verification,
            lease: self.mail_lease,
            ..MailConfig::default()
        };
        let tls = match (&self.tls_cert_file, &self.tls_key_file) {
            (Some(cert), Some(key)) => Some(roster::server::config::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(
                    "give both ROSTER_TLS_CERT_FILE and ROSTER_TLS_KEY_FILE, or neither".into(),
                )
            }
        };
        Ok(Config {
            trusted_proxies: self.trusted_proxies.0.clone(),
            tls,
            header_read_timeout: self.header_read_timeout,
            max_connections: self.max_connections as usize,
            database_url: self.database_url.clone(),
            secure_cookies: self.secure_cookies,
            session_idle_timeout: self.session_idle_timeout,
            session_absolute_timeout: self.session_absolute_timeout,
            remember_me_idle_timeout: self.remember_me_idle_timeout,
            remember_me_absolute_timeout: self.remember_me_absolute_timeout,
            throttle: Limits {
                signups_per_hour: self.signups_per_ip_per_hour,
                api_calls_per_minute: self.api_calls_per_minute,
                ..Limits::default()
            },
            mail,
            secret_key_file: self.secret_key_file.clone(),
            require_2fa_for_admins: self.require_2fa_for_admins,
            oidc_access_token_lifetime: self.oidc_access_token_lifetime,
            oidc_refresh_token_lifetime: self.oidc_refresh_token_lifetime,
            ..Config::default()
        })
    }
}

/// A state for a maintenance command: the database opened (and migrated), no server.
async fn open(config: Config) -> Result<AppState, String> {
    open_state(config, false).await
}

/// [`open`] with the data key file too, checked as at start-up: for the commands that read or
/// write sealed values (`roster keys ...`).
async fn open_with_keys(config: Config) -> Result<AppState, String> {
    open_state(config, true).await
}

async fn open_state(config: Config, with_keys: bool) -> Result<AppState, String> {
    let pool = db::open(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let keyring = match with_keys {
        true => Some(
            roster::store::data_keys::open(&pool, &config.secret_key_file, config.clock.now())
                .await
                .map_err(|e| e.to_string())?,
        ),
        false => None,
    };
    let options = leptos::config::LeptosOptions::builder()
        .output_name("roster")
        .build();
    Ok(AppState::new(options, pool, config, keyring))
}

/// Runs the command `cli` names (serving when none does).
///
/// Errors (as a message for the terminal): whatever the command reports.
pub async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let conf = leptos::config::get_configuration(None)
                .map_err(|e| format!("bad LEPTOS_* configuration: {e}"))?;
            serve(config, conf.leptos_options).await
        }
        Command::Migrate => db::open(&config.database_url)
            .await
            .map(|_| println!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Admin(AdminCommand::Create {
            email,
            display_name,
            password_stdin,
        }) => create_admin(config, &email, &display_name, password_stdin).await,
        Command::Backup { file } => {
            let state = open(config).await?;
            let written = db::backup(state.pool(), &file).await;
            state.pool().close().await;
            let bytes = written?;
            println!(
                "backup written to {} ({bytes} bytes, integrity check ok)",
                file.display()
            );
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            email,
            name,
            scopes,
            expires,
        }) => {
            let state = open(config).await?;
            let now = state.now();
            let made = roster::tokens::service::create_from_cli(
                &state, &email, &name, &scopes, &expires, now,
            )
            .await;
            state.pool().close().await;
            println!("{}", made?);
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate) => {
            let key_file = config.secret_key_file.clone();
            let state = open_with_keys(config).await?;
            let rotated = match state.keyring() {
                Ok(keyring) => {
                    roster::store::data_keys::rotate(state.pool(), keyring, state.now()).await
                }
                Err(e) => Err(e),
            };
            state.pool().close().await;
            let rotated = rotated.map_err(|e| e.to_string())?;
            println!(
                "data key {} added to {}; {} stored secrets sealed with it",
                rotated.key_id,
                key_file.display(),
                rotated.resealed
            );
            Ok(())
        }
        Command::Keys(KeysCommand::RotateSigning) => {
            let state = open_with_keys(config).await?;
            let rotated = match state.keyring() {
                Ok(keyring) => {
                    roster::oidc::keys::rotate_all(state.pool(), keyring, state.now()).await
                }
                Err(e) => Err(e),
            };
            state.pool().close().await;
            for kid in rotated.map_err(|e| e.to_string())? {
                println!("new signing key {kid}");
            }
            Ok(())
        }
        Command::Client(ClientCommand::Create {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            public,
            scopes,
            id_token_alg,
        }) => {
            let form = roster::oidc::ClientForm {
                name,
                redirect_uris: redirect_uris.join("\n"),
                post_logout_redirect_uris: post_logout_redirect_uris.join("\n"),
                public,
                scopes,
                id_token_alg,
            };
            let client = form.parse().map_err(|e| e.to_string())?;
            let state = open(config).await?;
            let now = state.now();
            let registered = roster::oidc::clients::register(
                &state,
                &roster::auth::Admin::operator(),
                &roster::request::RequestContext::cli(),
                &client,
                now,
            )
            .await;
            state.pool().close().await;
            let registered = registered.map_err(|e| e.to_string())?;
            println!("client_id={}", registered.client_id);
            if let Some(secret) = registered.client_secret {
                println!("client_secret={secret}");
            }
            Ok(())
        }
        Command::Seed { users } => {
            let state = open(config).await?;
            let seeded = roster::store::seed::seed_users(state.pool(), users, state.now()).await;
            state.pool().close().await;
            let (first, last) = seeded.map_err(|e| e.to_string())?;
            println!(
                "added {users} users: seed-{first}@example.test .. seed-{last}@example.test \
                 (password: {})",
                roster::store::seed::SEED_PASSWORD
            );
            Ok(())
        }
    }
}

/// `roster admin create`: reads the password (prompt or stdin), then creates the administrator.
async fn create_admin(
    config: Config,
    email: &str,
    display_name: &str,
    password_stdin: bool,
) -> Result<(), String> {
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password (try --password-stdin): {e}"))?;
        let again = rpassword::prompt_password("Password again: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("the two passwords differ; nothing was created".into());
        }
        first
    };
    let state = open(config).await?;
    let created = roster::admin::users::create_admin_from_cli(
        &state,
        email,
        display_name,
        &password,
        state.now(),
    )
    .await;
    state.pool().close().await;
    let id = created?;
    println!("administrator {email} created (user id {id})");
    Ok(())
}

/// Logs to standard output, filtered by `ROSTER_LOG` (`tracing` `EnvFilter` syntax).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ROSTER_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
}
