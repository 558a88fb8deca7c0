//! Prometheus metrics: `GET /metrics` in the text exposition format, from the `metrics` crate's
//! recorder. Counted per request: `http_requests_total{method,route,status}` and the
//! `http_request_duration_seconds{method,route}` histogram (route is the matched route
//! pattern, e.g. `/api/v1/users/{id}`, never the raw path, so labels stay few); per login
//! attempt: `logins_total{result="ok"|"failed"}`. Read at each scrape: `sessions_active` and
//! `db_pool_connections{state="idle"|"in_use"}`.

use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;

/// Latency buckets in seconds, 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder, installed on first use (one per process, shared by every router
/// built in it); `None` if another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &LATENCY_BUCKETS,
                )
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Middleware: counts and times each request under its matched route (`unmatched` for files
/// and unknown paths).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!(
        "http_requests_total",
        "method" => method.clone(),
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Counts a login attempt (`ok` or `failed`).
pub fn login(ok: bool) {
    metrics::counter!("logins_total", "result" => if ok { "ok" } else { "failed" }).increment(1);
}

/// `GET /metrics`: the exposition, with the pool's gauges read now and `sessions_active` set
/// to `sessions_active` when the caller could count them (else it keeps its last value).
pub fn render(state: &AppState, sessions_active: Option<i64>) -> Response {
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable").into_response();
    };
    if let Some(active) = sessions_active {
        metrics::gauge!("sessions_active").set(active as f64);
    }
    let size = state.pool().size() as usize;
    let idle = state.pool().num_idle().min(size);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set((size - idle) as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
