//! Delivery through a real SMTP conversation (the test sink): sent mails lose their link
//! secret, passing refusals are retried with a growing backoff, permanent ones and exhausted
//! attempts end failed, and a node killed mid-send loses no mail.

use std::time::Instant;

use super::*;
use crate::common::{serve_with, smtp::Sink};
use roster::mail::delivery::deliver_due;

#[derive(Debug, sqlx::FromRow)]
struct MailRow {
    state: String,
    attempts: i64,
    created_at: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    body_text: String,
    secret: Option<String>,
}

async fn mail_row(app: &TestApp, id: i64) -> MailRow {
    query(
        "SELECT state, attempts, created_at, next_attempt_at, last_error, body_text, secret \
         FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Waits until mail `id` has made `attempts` attempts and is no longer held by a worker.
async fn after_attempts(app: &TestApp, id: i64, attempts: i64) -> MailRow {
    let start = Instant::now();
    loop {
        let _ = deliver_due(&app.state).await;
        let row = mail_row(app, id).await;
        if row.attempts >= attempts && (row.state != "pending" || row.last_error.is_some()) {
            return row;
        }
        assert!(start.elapsed() < wait(), "mail {id} stuck: {row:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn app_sending_to(sink: &Sink, max_attempts: u32) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |c| {
        c.mail.smtp_url = Some(url);
        c.mail.public_url = Some("https://id.example.org".into());
        c.mail.max_attempts = max_attempts;
    })
    .await
}

#[tokio::test]
async fn a_sent_mail_arrives_whole_and_keeps_no_secret() {
    let sink = Sink::start().await;
    let app = app_sending_to(&sink, 8).await;
    app.sign_up("ann@example.org", "Ann <b>").await;
    let mail = app.wait_mail("ann@example.org", "verify_email").await;
    let secret = crate::common::token_in(&mail.body_text);
    let got = sink.wait_for(1, wait()).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["ann@example.org"]);
    let data = &got[0].data;
    assert!(
        data.contains("Subject: Confirm your email address"),
        "{data}"
    );
    assert!(
        data.contains("multipart/alternative") && data.contains("text/html"),
        "{data}"
    );
    assert!(
        data.contains(&format!(
            "https://id.example.org/verify-email?token={secret}"
        )),
        "{data}"
    );
    assert!(
        data.contains("Hello Ann &lt;b&gt;,"),
        "the name is escaped in HTML: {data}"
    );

    let row = after_attempts(&app, mail.id, 1).await;
    assert_eq!(row.state, "sent");
    assert_eq!(row.secret, None);
    assert!(!row.body_text.contains(&secret) && row.body_text.contains("token=[hidden]"));
    // The link still works: only its copy in the outbox is gone.
    let res = app.call("confirm_email", &[("token", &secret)], None).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Sent mail is kept 90 days.
    let purge = || roster::store::outbox::purge(&app.pool, app.state.now());
    app.clock.advance(roster::store::outbox::KEEP_SENT);
    assert_eq!(purge().await.unwrap(), 0);
    app.clock.advance(1);
    assert_eq!(purge().await.unwrap(), 1);
    assert!(app.mails_to("ann@example.org").await.is_empty());
}

#[tokio::test]
async fn passing_refusals_are_retried_with_growing_backoff_then_sent() {
    let sink = Sink::start().await;
    sink.refuse(2, 451);
    let app = app_sending_to(&sink, 8).await;
    app.sign_up("ann@example.org", "Ann").await;
    let id = app.wait_mail("ann@example.org", "verify_email").await.id;

    let first = after_attempts(&app, id, 1).await;
    assert_eq!(first.state, "pending");
    let wait1 = first.next_attempt_at - app.state.now();
    assert!((23..=38).contains(&wait1), "30 s ± 25%: {wait1}");
    assert!(
        first.last_error.as_deref().unwrap().contains("451"),
        "{first:?}"
    );
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "not due yet");

    app.clock.advance(wait1);
    let second = after_attempts(&app, id, 2).await;
    assert_eq!(second.state, "pending");
    let wait2 = second.next_attempt_at - app.state.now();
    assert!((45..=75).contains(&wait2), "60 s ± 25%: {wait2}");

    app.clock.advance(wait2);
    let third = after_attempts(&app, id, 3).await;
    assert_eq!(third.state, "sent", "{third:?}");
    assert_eq!(sink.received().len(), 1);
    assert!(first.created_at <= app.state.now());
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"mail_sent_total{result="retry"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"mail_sent_total{result="sent"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("outbox_pending 0"), "{metrics}");
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_retry_sends_it() {
    let sink = Sink::start().await;
    sink.refuse(1, 550);
    let app = app_sending_to(&sink, 8).await;
    let admin = app.with_admin("ada@example.org").await;
    app.sign_up("ann@example.org", "Ann").await;
    let id = app.wait_mail("ann@example.org", "verify_email").await.id;
    let failed = after_attempts(&app, id, 1).await;
    assert_eq!(failed.state, "failed");
    assert!(failed.last_error.unwrap().contains("550"));

    let id_text = id.to_string();
    let refused = app
        .call(
            "admin_retry_mail",
            &[("id", &id_text)],
            Some(&app.sign_up("eve@example.org", "Eve").await),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let res = app
        .call("admin_retry_mail", &[("id", &id_text)], Some(&admin))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let sent = after_attempts(&app, id, 1).await;
    assert_eq!(sent.state, "sent", "{sent:?}");
    assert_eq!(
        sink.wait_for(2, wait()).await.len(),
        2,
        "Eve's and the retried mail"
    );
    let again = app
        .call("admin_retry_mail", &[("id", &id_text)], Some(&admin))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::NOT_FOUND,
        "only failed mail is retried"
    );
    assert!(actions(&app).await.contains(&"mail.retried".to_string()));
}

#[tokio::test]
async fn a_mail_that_keeps_failing_ends_failed_after_its_attempts() {
    let sink = Sink::start().await;
    sink.refuse(10, 451);
    let app = app_sending_to(&sink, 2).await;
    app.sign_up("ann@example.org", "Ann").await;
    let id = app.wait_mail("ann@example.org", "verify_email").await.id;
    let first = after_attempts(&app, id, 1).await;
    assert_eq!(first.state, "pending");
    app.clock.advance(HOUR);
    let last = after_attempts(&app, id, 2).await;
    assert_eq!(last.state, "failed", "{last:?}");
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains(r#"mail_sent_total{result="failed"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn without_smtp_mail_waits_in_the_outbox_and_is_counted() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    app.clock.advance(90);
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(app.mails_to("ann@example.org").await[0].state, "pending");
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("outbox_pending 1"), "{metrics}");
    assert!(
        metrics.contains("outbox_oldest_pending_age_seconds 90"),
        "{metrics}"
    );
}

/// `kill -9` while mails are being sent: after a restart each is delivered at least once.
#[tokio::test]
async fn a_node_killed_while_sending_loses_no_mail() {
    let stalled = Sink::start().await;
    stalled.stall(true);
    let sink = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("roster.db").display());
    let settings = |smtp: &str| {
        [
            ("ROSTER_SMTP_URL", smtp.to_string()),
            ("ROSTER_PUBLIC_URL", "https://id.example.org".to_string()),
            ("ROSTER_MAIL_LEASE", "2s".to_string()),
        ]
    };
    let first = settings(&stalled.url());
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = serve_with(&url, &first).await;
    let client = reqwest::Client::new();
    let emails: Vec<String> = (0..3).map(|i| format!("p{i}@example.org")).collect();
    for email in &emails {
        let res = client
            .post(format!("{}/fn/sign_up", server.base))
            .form(&crate::common::sign_up_form(email, "P", PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // The worker is now inside an SMTP conversation that never gets a greeting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.child.0.kill().unwrap();
    server.child.0.wait().unwrap();

    let second = settings(&sink.url());
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _server = serve_with(&url, &second).await;
    let got = sink.wait_for(3, Duration::from_secs(30)).await;
    for email in &emails {
        assert!(
            got.iter().any(|m| m.to.contains(email)),
            "{email} lost: {:?}",
            got.iter().map(|m| &m.to).collect::<Vec<_>>()
        );
    }
}

/// Two nodes' workers on one database claim disjoint mail (PostgreSQL: `FOR UPDATE SKIP
/// LOCKED`): in five rounds of 40 mails claimed by both at once, each is sent exactly once.
#[tokio::test]
async fn two_nodes_send_each_mail_once() {
    let sink = Sink::start().await;
    let a = app_sending_to(&sink, 8).await;
    let url = sink.url();
    let b = a
        .another_node(move |c| {
            c.mail.smtp_url = Some(url);
            c.mail.public_url = Some("https://id.example.org".into());
        })
        .await;
    for round in 1..=5 {
        let mut tx = roster::server::db::begin_write(&a.pool).await.unwrap();
        for i in 0..40 {
            let letter = roster::domain::Letter::test(
                roster::i18n::Locale::en,
                &format!("r{round}n{i}@example.org"),
            );
            roster::store::outbox::enqueue(&mut tx, &letter, None, a.state.now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let (x, y) = tokio::join!(deliver_due(&a.state), deliver_due(&b.state));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(
            x + y <= 40,
            "round {round}: {x} + {y}: a mail was claimed twice"
        );
        sink.wait_for(40 * round, wait()).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = sink.received();
    let mut to: Vec<String> = got.iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!((got.len(), to.len()), (200, 200), "each mail once");
}
