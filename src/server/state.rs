//! Application state shared by every request (crates.io's `AppState(pub Arc<App>)`): one
//! reference count per clone, private parts behind accessors.

use std::sync::Arc;

use super::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    assets::AssetNames, mailer::Mailer, metrics::Metrics, page_cache::PageCache,
    password::Passwords, secrets::Secrets, throttle::Limiter, Config,
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
    /// The built browser files' paths, read once at start-up.
    assets: AssetNames,
    /// The public pages as a signed-out visitor sees them, rendered once.
    pages: PageCache,
    metrics: Metrics,
    passwords: Passwords,
    secrets: Secrets,
    mailer: Mailer,
}

impl AppState {
    /// The state of an app serving `leptos_options` from `pool` with `config`; the throttle
    /// starts empty and the asset names are read now.
    pub fn new(leptos_options: LeptosOptions, pool: Db, config: Config) -> Self {
        Self(Arc::new(App {
            assets: AssetNames::from_options(&leptos_options),
            throttle: Limiter::new(config.throttle, &pool),
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
        match &self.0.config.mail.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", self.0.leptos_options.site_addr),
        }
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
