//! Operations endpoints: liveness and readiness.

use crate::common::spawn_app;
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
