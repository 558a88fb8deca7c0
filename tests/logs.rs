//! The request log: one line per request with method, path, status, latency and request id,
//! and never a password, a session id, a token or a mailed link's secret (`shared/SECURITY.md`,
//! Errors and logs).

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use common::{session_cookie, spawn_app, PASSWORD};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_line_per_request_and_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let app = spawn_app().await;

    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let login = app.log_in("ann@example.org", PASSWORD, Some(&cookie)).await;
    let new_cookie = session_cookie(&login).unwrap();
    let page = app.get("/profile", Some(&new_cookie)).await;
    // An API call with a personal access token, which must not reach the log either.
    let token = roster::tokens::service::create_from_cli(
        &app.state,
        "ann@example.org",
        "logged?",
        &["profile:read".to_string()],
        "never",
        0,
    )
    .await
    .unwrap();
    let api = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    // A mailed link's secret, opened and used, must not reach the log either.
    let link = app.link_token("ann@example.org", "verify_email").await;
    let opened = app.get(&format!("/verify-email?token={link}"), None).await;
    assert_eq!(opened.status(), 200);
    let used = app.call("confirm_email", &[("token", &link)], None).await;
    assert_eq!(used.status(), 200);
    let request_id = page.headers()["x-request-id"].to_str().unwrap().to_string();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let served: Vec<&str> = log.lines().filter(|l| l.contains("served")).collect();
    assert_eq!(served.len(), 6, "{log}");
    let profile_line = served
        .iter()
        .find(|l| l.contains(&request_id))
        .expect("the page's request id is in its log line");
    for part in ["method=GET", "path=/profile", "status=200", "latency_ms="] {
        assert!(
            profile_line.contains(part),
            "{part} missing: {profile_line}"
        );
    }
    assert!(!log.contains(PASSWORD), "password logged");
    for c in [&cookie, &new_cookie] {
        let id = c.split('=').nth(1).unwrap();
        assert!(!log.contains(id), "session id logged");
    }
    assert!(!log.contains("argon2"), "password hash logged");
    assert!(!log.contains(&token[11..]), "personal access token logged");
    assert!(!log.contains(&link), "mailed link secret logged");
}
