//! Operations endpoints: liveness, readiness and Prometheus metrics.

use std::collections::HashMap;

use crate::common::{spawn_app, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;

    let res = app.get("/healthz", None).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_says_whether_the_database_answers() {
    let app = spawn_app().await;

    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");

    app.pool.close().await;
    let down = app.get("/readyz", None).await;
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.text().await.unwrap(), "database unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

/// Parses a Prometheus text exposition (format 0.0.4) into `series -> value`, failing on any
/// line that is neither a comment nor `name{labels} value`.
fn parse_exposition(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("`series value`");
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line:?}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels in {line:?}");
        }
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        samples.insert(series.to_string(), value);
    }
    samples
}

async fn scrape(app: &crate::common::TestApp) -> (String, HashMap<String, f64>) {
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    let samples = parse_exposition(&text);
    (text, samples)
}

#[tokio::test]
async fn metrics_parse_and_count_requests_logins_sessions_and_the_pool() {
    let app = spawn_app().await;
    // Each app has its own recorder: these counts are this test's alone, so they are exact.
    let healthz = r#"http_requests_total{method="GET",route="/healthz",status="200"}"#;
    app.get("/healthz", None).await;
    let (_, before) = scrape(&app).await;
    assert_eq!(before[healthz], 1.0);
    assert!(!before.keys().any(|k| k.starts_with("logins_total")));

    app.get("/healthz", None).await;
    app.sign_up("ann@example.org", "Ann").await;
    app.log_in("ann@example.org", "not the password at all", None)
        .await;
    app.log_in("ann@example.org", PASSWORD, None).await;
    let (text, after) = scrape(&app).await;

    assert_eq!(after[healthz], 2.0, "{text}");
    assert_eq!(after[r#"logins_total{result="failed"}"#], 1.0);
    assert_eq!(after[r#"logins_total{result="ok"}"#], 1.0);
    assert_eq!(
        after["sessions_active"], 2.0,
        "the sign-up's and the sign-in's"
    );
    assert!(after.contains_key(r#"db_pool_connections{state="idle"}"#));
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
    assert!(after.keys().any(|k| k.starts_with(
        r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.001"}"#
    )));
    // Routes are patterns, never raw paths with ids; made-up methods share one label.
    app.get("/admin/users/12345", None).await;
    for made_up in ["BREW", "PROPFIND", "X-ANYTHING"] {
        app.client
            .request(
                reqwest::Method::from_bytes(made_up.as_bytes()).unwrap(),
                app.url("/healthz"),
            )
            .send()
            .await
            .unwrap();
    }
    let (text, after) = scrape(&app).await;
    assert!(!text.contains("12345"), "a raw path became a label");
    for made_up in ["BREW", "PROPFIND", "X-ANYTHING"] {
        assert!(!text.contains(made_up), "{made_up} became a label");
    }
    let others: f64 = after
        .iter()
        .filter(|(k, _)| k.starts_with(r#"http_requests_total{method="other""#))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(others, 3.0, "{text}");
}
