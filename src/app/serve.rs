//! Serving: accept connections (at most [`Config::max_connections`] at once), speak HTTP/1.1
//! and HTTP/2 through hyper with a timer, so a client that does not deliver its headers within
//! [`Config::header_read_timeout`] (an idle keep-alive connection included) is cut off; HTTPS
//! through rustls when a certificate is configured, read again on SIGHUP. On SIGTERM or SIGINT:
//! stop accepting, let requests in flight finish, checkpoint and close the database; whatever
//! still runs after [`SHUTDOWN_GRACE`] is abandoned so the process exits within 30 s.

use std::{future::Future, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

use crate::server::{assets, db, tls::Certificates, Config};

/// How long requests in flight may run on after SIGTERM/SIGINT; with the database's
/// checkpoint and close after it (each with its own limit) and the runtime's own shutdown, the
/// process exits within 30 s.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Longest the write-ahead log checkpoint at shutdown may take.
const CHECKPOINT_LIMIT: Duration = Duration::from_secs(3);

/// Longest the pool may take to close at shutdown (a connection held by a stuck request is
/// abandoned).
const CLOSE_LIMIT: Duration = Duration::from_secs(2);

/// How connections are served.
#[derive(Clone)]
pub struct Serving {
    /// Headers (and, with TLS, the handshake) must arrive within this long.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// HTTPS with these certificates; `None`: plain HTTP.
    pub tls: Option<Certificates>,
}

impl Serving {
    /// What `config` asks for.
    ///
    /// Errors (as a message): the TLS files cannot be read or do not fit together.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Ok(Self {
            header_read_timeout: config.header_read_timeout,
            max_connections: config.max_connections.max(1),
            tls: config.tls.clone().map(Certificates::open).transpose()?,
        })
    }
}

/// Serves `router` on `listener` as `serving` says until `shutdown` resolves, then lets the
/// connections finish their requests for at most [`SHUTDOWN_GRACE`].
pub async fn serve_on(
    listener: TcpListener,
    router: Router,
    serving: Serving,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(serving.header_read_timeout);
    http.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(serving.header_read_timeout))
        .keep_alive_timeout(serving.header_read_timeout);
    let permits = Arc::new(Semaphore::new(serving.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(tower::service_fn({
            let router = router.clone();
            move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                router.clone().oneshot(req)
            }
        }));
        let http = http.clone();
        let watcher = graceful.watcher();
        let tls = serving.tls.clone();
        let handshake_timeout = serving.header_read_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let served = match tls {
                None => {
                    let conn = http.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
                Some(certificates) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(certificates.current());
                    let stream = match tokio::time::timeout(
                        handshake_timeout,
                        acceptor.accept(stream),
                    )
                    .await
                    {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, %peer, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    };
                    let conn = http.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(e) = served {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the grace period; stopping");
    }
}

/// Serves the app with `config` on `options.site_addr` until a shutdown signal.
///
/// Errors (as a message for the terminal): the TLS files or the database cannot be opened, or
/// the address cannot be bound.
pub async fn serve(config: Config, mut options: LeptosOptions) -> Result<(), String> {
    // A release build made with hashed file names leaves hash.txt beside the binary; the pages
    // must then name the hashed files, whatever LEPTOS_HASH_FILES says.
    if !options.hash_files {
        options.hash_files = assets::hash_file_path(&options).is_some_and(|file| file.exists());
    }
    // Bad TLS files stop start-up before anything else happens.
    let serving = Serving::from_config(&config)?;
    let addr = options.site_addr;
    let app = super::build_router(config, options)
        .await
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let scheme = if serving.tls.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!("listening on {scheme}://{addr}");
    if let Some(certificates) = serving.tls.clone() {
        tokio::spawn(reload_on_sighup(certificates));
    }
    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the requests in flight");
    };
    serve_on(listener, app.router, serving, signal).await;
    if tokio::time::timeout(
        CHECKPOINT_LIMIT,
        db::checkpoint_and_optimize(app.state.pool()),
    )
    .await
    .is_err()
    {
        tracing::warn!("the shutdown checkpoint took too long; the log is folded in at next start");
    }
    if tokio::time::timeout(CLOSE_LIMIT, app.state.pool().close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use at shutdown; abandoned");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Reads the certificate and key again on each SIGHUP; a bad pair is logged and the old one
/// stays in use.
async fn reload_on_sighup(certificates: Certificates) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hangups.recv().await.is_some() {
            match certificates.reload() {
                Ok(()) => tracing::info!("TLS certificate and key read again"),
                Err(e) => tracing::error!(error = %e, "TLS reload failed; the old pair stays"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = certificates;
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
