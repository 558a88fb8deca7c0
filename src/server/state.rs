//! Application state shared by every request.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use super::{throttle::Throttle, Config};

/// What handlers and server functions reach through axum state or Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttle>,
}

impl AppState {
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
