//! Prometheus metrics: `GET /metrics` in the text exposition format. Counted per request:
//! `http_requests_total{method,route,status}` and the `http_request_duration_seconds{method,
//! route}` histogram (route is the matched route pattern, e.g. `/api/v1/users/{id}`, never the
//! raw path, and a method outside the standard set is `other`, so labels stay few:
//! `shared/SECURITY.md`, Connections); per login attempt: `logins_total{result="ok"|"failed"}`.
//! per mail sent or tried: `mail_sent_total{result="sent"|"retry"|"failed"}`. Read at each
//! scrape: `sessions_active`, `outbox_pending`, `outbox_oldest_pending_age_seconds`,
//! `db_pool_connections{state="idle"|"in_use"}` and `runtime_workers_stalled` (the watchdog's
//! count, when the process has one).
//!
//! Each app has its own recorder ([`Metrics`], in the state), used through
//! `metrics::with_local_recorder`: nothing global, so two apps in one process (the tests) never
//! count each other's requests.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};

use super::AppState;

/// Latency buckets in seconds, 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// One app's recorder.
pub struct Metrics {
    recorder: PrometheusRecorder,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A recorder with the latency buckets set.
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &LATENCY_BUCKETS,
            )
            // The buckets are valid (non-empty); should that ever change, summaries it is.
            .unwrap_or_else(|_| PrometheusBuilder::new());
        Self {
            recorder: builder.build_recorder(),
        }
    }

    /// Runs `record` with this app's recorder as the one the `metrics` macros use.
    pub fn record<T>(&self, record: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, record)
    }

    /// Counts a login attempt (`ok` or `failed`).
    pub fn login(&self, ok: bool) {
        self.record(|| {
            metrics::counter!("logins_total", "result" => if ok { "ok" } else { "failed" })
                .increment(1)
        });
    }

    /// Counts one attempt to send a mail: `sent`, `retry` (a passing failure, tried again
    /// later) or `failed` (given up).
    pub fn mail(&self, result: &'static str) {
        self.record(|| metrics::counter!("mail_sent_total", "result" => result).increment(1));
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        self.recorder.handle().render()
    }
}

/// The method as a label: the standard ones by name (RFC 9110 §9 and PATCH), every other
/// `other`, so made-up methods cannot grow the label set.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: counts and times each request under its matched route (`unmatched` for files
/// and unknown paths).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    state.metrics().record(|| {
        metrics::counter!(
            "http_requests_total",
            "method" => method,
            "route" => route.clone(),
            "status" => status
        )
        .increment(1);
        metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
            .record(started.elapsed().as_secs_f64());
    });
    res
}

/// Gauges a scrape reads from the database; `None` keeps a gauge's last value (its count
/// failed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counted {
    pub sessions_active: Option<i64>,
    /// Pending mails, and the age of the oldest in seconds (0 when none waits).
    pub outbox: Option<(i64, i64)>,
}

/// `GET /metrics`: the exposition, with the pool's gauges read now and the `counted` ones set.
pub fn render(state: &AppState, counted: Counted) -> Response {
    let sessions_active = counted.sessions_active;
    let (size, idle) = state.pool().connections();
    let size = size as usize;
    let idle = idle.min(size);
    state.metrics().record(|| {
        if let Some(active) = sessions_active {
            metrics::gauge!("sessions_active").set(active as f64);
        }
        if let Some(watchdog) = super::watchdog::Watchdog::global() {
            metrics::gauge!("runtime_workers_stalled").set(watchdog.stalled() as f64);
        }
        if let Some((pending, oldest_age)) = counted.outbox {
            metrics::gauge!("outbox_pending").set(pending as f64);
            metrics::gauge!("outbox_oldest_pending_age_seconds").set(oldest_age as f64);
        }
        metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
        metrics::gauge!("db_pool_connections", "state" => "in_use").set((size - idle) as f64);
    });
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for made_up in ["BREW", "PROPFIND", "X-1"] {
            let method = Method::from_bytes(made_up.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "other", "{made_up}");
        }
    }

    #[test]
    fn two_recorders_count_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.login(true);
        a.login(true);
        b.login(false);
        assert!(
            a.render().contains(r#"logins_total{result="ok"} 2"#),
            "{}",
            a.render()
        );
        assert!(!a.render().contains("failed"));
        assert!(b.render().contains(r#"logins_total{result="failed"} 1"#));
    }
}
