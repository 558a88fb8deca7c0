//! The background tasks of a running server: purging ended sessions (and expired mailed
//! links, mail sent 90 days ago), merging the search index, and delivering mail. Each logs its own failures (through `internal`) and carries on.

use std::time::Duration;

use crate::server::session_store::Sessions;
use tower_sessions::session_store::ExpiredDeletion;

use crate::{auth::sessions, server::AppState, store::user_list};

/// How often the user search index is merged into one b-tree
/// ([`user_list::merge_search_index`]); the first merge runs this long after start-up too, so
/// short-lived processes never do it.
const SEARCH_MERGE_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// Starts every background task of `state`'s server; `store` is the session layer's store,
/// whose own expired records are deleted on the same period as the session records.
pub fn start(state: &AppState, store: Sessions) {
    let period = state.config().session_purge_period;
    tokio::spawn(
        store
            .continuously_delete_expired(tokio::time::Duration::from_secs(period.as_secs().max(1))),
    );
    tokio::spawn(purge_ended_sessions(state.clone(), period));
    tokio::spawn(merge_search_index(state.clone()));
    tokio::spawn(crate::mail::delivery::run(state.clone()));
    tokio::spawn(state.auth_cache().clone().run(state.pool().clone()));
}

/// Every `period`, deletes the session records (and store entries) past their idle or absolute
/// deadline by the configured clock, and the shared throttles' idle rows (`shared/SECURITY.md`, Sessions: expired sessions are
/// purged by a background task).
async fn purge_ended_sessions(state: AppState, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        match sessions::purge_expired(state.pool(), state.now()).await {
            Ok(Some(0)) | Err(_) => {} // errors are logged by `internal`
            Ok(None) => tracing::debug!("another node is purging sessions"),
            Ok(Some(ended)) => tracing::info!(ended, "expired sessions purged"),
        }
        if let Err(e) = crate::store::links::purge(state.pool(), state.now()).await {
            tracing::warn!(error = %e, "expired link purge failed");
        }
        if let Err(e) = crate::store::outbox::purge(state.pool(), state.now()).await {
            tracing::warn!(error = %e, "old sent mail purge failed");
        }
        match state.throttle().purge(state.now()).await {
            Ok(0) => {}
            Ok(rows) => tracing::debug!(rows, "idle shared throttle entries deleted"),
            Err(e) => tracing::warn!(error = %e, "shared throttle purge failed"),
        }
    }
}

/// Every [`SEARCH_MERGE_PERIOD`], merges the user search index so searches read one b-tree.
async fn merge_search_index(state: AppState) {
    let start = tokio::time::Instant::now() + SEARCH_MERGE_PERIOD;
    let mut ticks = tokio::time::interval_at(start, SEARCH_MERGE_PERIOD);
    loop {
        ticks.tick().await;
        match user_list::merge_search_index(state.pool()).await {
            Ok(0) | Err(_) => {} // errors are logged by `internal`
            Ok(steps) => tracing::info!(steps, "user search index merged"),
        }
    }
}
