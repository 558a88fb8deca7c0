//! Serving: bind, serve the router, and on SIGTERM or SIGINT stop accepting, let requests in
//! flight finish (each is capped by the request timeout anyway), checkpoint and close the
//! database; whatever still runs after [`SHUTDOWN_GRACE`] is abandoned so the process exits
//! within 30 s.

use std::time::Duration;

use leptos::config::LeptosOptions;

use crate::server::{assets, db, Config};

/// How long requests in flight may run on after SIGTERM/SIGINT; with the database's
/// checkpoint and close after it, the process exits within 30 s.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// Serves the app with `config` on `options.site_addr` until a shutdown signal.
///
/// Errors (as a message for the terminal): the database cannot be opened, the address cannot
/// be bound, or serving fails.
pub async fn serve(config: Config, mut options: LeptosOptions) -> Result<(), String> {
    // A release build made with hashed file names leaves hash.txt beside the binary; the pages
    // must then name the hashed files, whatever LEPTOS_HASH_FILES says.
    if !options.hash_files {
        options.hash_files = assets::hash_file_path(&options).is_some_and(|file| file.exists());
    }
    let addr = options.site_addr;
    let app = super::build_router(config, options)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the requests in flight");
        let _ = stopping.send(true);
    };
    let server = axum::serve(
        listener,
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(signal);
    let deadline = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = server => served.map_err(|e| format!("server error: {e}"))?,
        _ = deadline => tracing::warn!("requests still running after the grace period; stopping"),
    }
    db::checkpoint_and_optimize(app.state.pool()).await;
    app.state.pool().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
