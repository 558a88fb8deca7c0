//! Application state shared by every request.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use super::{assets::AssetNames, page_cache::PageCache, throttle::Throttle, Config};

/// What handlers and server functions reach through axum state or Leptos context: a shared
/// [`AppStateInner`], so that the clone every middleware and handler takes per request is one
/// reference count, not a copy of the options.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// The state's parts.
pub struct AppStateInner {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttle>,
    /// The built browser files' paths, read once at start-up.
    pub assets: Arc<AssetNames>,
    /// The public pages as a signed-out visitor sees them, rendered once.
    pub pages: Arc<PageCache>,
}

impl AppStateInner {
    /// Now, in Unix seconds, from the configured clock.
    pub fn now(&self) -> i64 {
        self.config.clock.now()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, from Leptos context (inside a server function or a page render).
///
/// Errors: `AppError::Internal` when called outside a request (a programming error).
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::internal("AppState missing from context"))
}
