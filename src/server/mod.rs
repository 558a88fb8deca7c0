//! Server-only infrastructure that knows no feature and no feature table: configuration and
//! the clock, the database pool and its pragmas, password hashing, throttles, the request
//! context, security headers, the anonymous page cache, sending mail, metrics and the state.

pub mod assets;
pub mod auth_cache;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod keyring;
pub mod mailer;
pub mod metrics;
pub mod middleware;
pub mod page_cache;
pub mod password;
pub mod secrets;
pub mod security;
pub mod session_store;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod watchdog;

pub use config::Config;
pub use state::AppState;

/// Largest request body accepted, in bytes (forms and JSON; `shared/SECURITY.md`, Requests).
/// Larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
