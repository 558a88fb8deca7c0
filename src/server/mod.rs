//! Server-only plumbing: configuration, database, password hashing, middleware and the router.

pub mod app;
pub mod assets;
pub mod clock;
pub mod config;
pub mod db;
pub mod metrics;
pub mod middleware;
pub mod page_cache;
pub mod password;
pub mod security;
pub mod seed;
pub mod state;
pub mod throttle;

pub use app::{build_router, BuiltApp};
pub use config::Config;
pub use state::AppState;
