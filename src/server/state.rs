//! Application state shared by every request (crates.io's `AppState(pub Arc<App>)`): one
//! reference count per clone, private parts behind accessors.

use std::sync::Arc;

use super::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::keyring::Keyring;
use super::{
    assets::AssetNames, auth_cache::AuthCache, mailer::Mailer, metrics::Metrics,
    page_cache::PageCache, password::Passwords, secrets::Secrets, throttle::Limiter, Config,
};

/// What handlers and server functions reach through axum state or Leptos context.
#[derive(Clone)]
pub struct AppState(Arc<App>);

/// The state's parts.
struct App {
    leptos_options: LeptosOptions,
    pool: Db,
    config: Config,
    throttle: Limiter,
    /// What the session and token checks read, kept in memory (issue 18).
    auth_cache: AuthCache,
    /// The built browser files' paths, read once at start-up.
    assets: AssetNames,
    /// The public pages as a signed-out visitor sees them, rendered once.
    pages: PageCache,
    metrics: Metrics,
    passwords: Passwords,
    secrets: Secrets,
    mailer: Mailer,
    /// The data keys (absent in maintenance commands that read no sealed value).
    keyring: Option<Keyring>,
    /// The WebAuthn relying party (absent when the public origin is no domain a browser
    /// accepts as a relying-party id, such as an IP address).
    webauthn: Option<webauthn_rs::Webauthn>,
}

impl AppState {
    /// The state of an app serving `leptos_options` from `pool` with `config`, sealing with
    /// `keyring`; the throttle starts empty and the asset names are read now.
    pub fn new(
        leptos_options: LeptosOptions,
        pool: Db,
        config: Config,
        keyring: Option<Keyring>,
    ) -> Self {
        let origin = public_origin(&config, &leptos_options);
        Self(Arc::new(App {
            keyring,
            webauthn: relying_party(&origin),
            assets: AssetNames::from_options(&leptos_options),
            throttle: Limiter::new(config.throttle, &pool),
            auth_cache: AuthCache::new(&pool),
            pages: PageCache::default(),
            metrics: Metrics::new(),
            passwords: Passwords::default(),
            secrets: Secrets::default(),
            mailer: Mailer::new(config.mail.smtp_url.as_deref(), &config.mail.from).unwrap_or_else(
                |e| {
                    // The command line checks these settings before any state is made.
                    tracing::error!(error = %e, "mail settings refused; nothing will be sent");
                    Mailer::default()
                },
            ),
            leptos_options,
            pool,
            config,
        }))
    }

    /// The database pool.
    pub fn pool(&self) -> &Db {
        &self.0.pool
    }

    /// The run-time configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The authentication cache: session records and token principals by key
    /// ([`AuthCache`]).
    pub fn auth_cache(&self) -> &AuthCache {
        &self.0.auth_cache
    }

    /// The login, sign-up and API throttles (shared by every node on PostgreSQL).
    pub fn throttle(&self) -> &Limiter {
        &self.0.throttle
    }

    /// The built browser files' names.
    pub fn assets(&self) -> &AssetNames {
        &self.0.assets
    }

    /// The anonymous page cache.
    pub fn pages(&self) -> &PageCache {
        &self.0.pages
    }

    /// This app's metrics recorder.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// This app's password checks.
    pub fn passwords(&self) -> &Passwords {
        &self.0.passwords
    }

    /// The show-once secrets waiting to be shown.
    pub fn secrets(&self) -> &Secrets {
        &self.0.secrets
    }

    /// The SMTP sender and the delivery worker's bell.
    pub fn mailer(&self) -> &Mailer {
        &self.0.mailer
    }

    /// The origin mailed links start with: `ROSTER_PUBLIC_URL`, else `http://` and the
    /// address the server listens on.
    pub fn public_origin(&self) -> String {
        public_origin(&self.0.config, &self.0.leptos_options)
    }

    /// The data keys that seal stored secrets.
    ///
    /// Errors: `Internal` in a maintenance command that opened none (a programming error).
    pub fn keyring(&self) -> Result<&Keyring, crate::error::AppError> {
        self.0
            .keyring
            .as_ref()
            .ok_or_else(|| crate::error::internal("no data keys loaded"))
    }

    /// The WebAuthn relying party (id and origin from [`Self::public_origin`]); `None` when
    /// that origin's host is not a domain name (browsers refuse IP addresses as relying-party
    /// ids), and then passkeys are not offered.
    pub fn webauthn(&self) -> Option<&webauthn_rs::Webauthn> {
        self.0.webauthn.as_ref()
    }

    /// Leptos' options (site root, output name, ...).
    pub fn leptos_options(&self) -> &LeptosOptions {
        &self.0.leptos_options
    }

    /// Now, in Unix seconds, from the configured clock: the one time source of every service.
    pub fn now(&self) -> i64 {
        self.0.config.clock.now()
    }
}

fn public_origin(config: &Config, options: &LeptosOptions) -> String {
    match &config.mail.public_url {
        Some(url) => url.clone(),
        None => format!("http://{}", options.site_addr),
    }
}

/// The relying party of `origin`: its host is the relying-party id (WebAuthn Level 2 §5.1.2).
fn relying_party(origin: &str) -> Option<webauthn_rs::Webauthn> {
    let url = url::Url::parse(origin).ok()?;
    let host = match url.host()? {
        url::Host::Domain(domain) => domain.to_string(),
        _ => return None,
    };
    webauthn_rs::WebauthnBuilder::new(&host, &url)
        .and_then(|b| b.rp_name("Roster").build())
        .map_err(|e| tracing::warn!(error = %e, origin, "passkeys unavailable at this origin"))
        .ok()
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.0.leptos_options.clone()
    }
}

/// The state, from Leptos context (inside a server function or a page render).
///
/// Errors: `AppError::Internal` when called outside a request (a programming error).
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::internal("AppState missing from context"))
}
