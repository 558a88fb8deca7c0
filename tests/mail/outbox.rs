//! `/admin/outbox`: administrators only; every mail with its state; a link's secret shown
//! only to its recipient once mail is really sent, and to the operator while it is not.

use super::*;
use crate::common::smtp::Sink;

#[tokio::test]
async fn the_outbox_is_for_administrators_and_hides_other_peoples_links() {
    let sink = Sink::start().await;
    let url = sink.url();
    let app = spawn_app_with(move |c| {
        c.mail.smtp_url = Some(url);
        c.mail.public_url = Some("https://id.example.org".into());
    })
    .await;
    let admin = app.with_admin("ada@example.org").await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    let secret = app.link_token("ann@example.org", "verify_email").await;

    let denied = app.get("/admin/outbox", Some(&ann)).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let denied = app
        .call(
            "admin_outbox",
            &[
                ("query[address]", ""),
                ("query[state]", ""),
                ("query[page]", "1"),
            ],
            Some(&ann),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let anonymous = app.get("/admin/outbox", None).await;
    assert_eq!(
        location(&anonymous).as_deref(),
        Some("/login?next=%2Fadmin%2Foutbox")
    );

    let page = app.get("/admin/outbox", Some(&admin)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("ann@example.org") && html.contains("Confirm your email address"));
    assert!(!html.contains(&secret), "another person's link is hidden");
    assert!(html.contains("token=[hidden]"));
    assert!(html.contains("Send test mail"));

    // The administrator's own mail shows its link (here a test mail, which has none).
    let test = app.call("admin_test_mail", &[], Some(&admin)).await;
    assert_eq!(test.status(), StatusCode::OK);
    app.wait_mail("ada@example.org", "test").await;
    let filtered = app
        .get("/admin/outbox?address=ADA%40example&state=", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(filtered.contains("Test mail") && !filtered.contains("ann@example.org"));
    assert!(filtered.contains("Showing 1–1 of 1 mails"), "{filtered}");
    let failed = app
        .get("/admin/outbox?state=failed", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(failed.contains("No mails match."));
    assert!(actions(&app).await.contains(&"mail.test_sent".to_string()));
}

#[tokio::test]
async fn without_smtp_the_operator_reads_every_link_to_pass_it_on() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    app.sign_up("ann@example.org", "Ann").await;
    let secret = app.link_token("ann@example.org", "verify_email").await;
    let html = app
        .get("/admin/outbox", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("No mail server is configured"));
    assert!(html.contains(&secret), "the link is there to pass on");
}

#[tokio::test]
async fn administrators_send_reset_links_and_new_confirmations() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    app.sign_up("ann@example.org", "Ann").await;
    let id = app.user_id("ann@example.org").await.to_string();
    let page = app
        .get(&format!("/admin/users/{id}"), Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Send password reset link") && page.contains("Resend verification"));
    let list = app
        .get("/admin/users?verified=no", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("ann@example.org") && !list.contains("ada@example.org"),
        "{list}"
    );

    let res = app
        .call("admin_send_reset_link", &[("id", &id)], Some(&admin))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.wait_mail("ann@example.org", "password_reset").await;
    let first = app.link_token("ann@example.org", "verify_email").await;
    let res = app
        .call("admin_resend_verification", &[("id", &id)], Some(&admin))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second = app.link_token("ann@example.org", "verify_email").await;
    assert_ne!(first, second);
    let old = app.call("confirm_email", &[("token", &first)], None).await;
    assert_eq!(old.text().await.unwrap(), INVALID_LINK);
    let new = app.call("confirm_email", &[("token", &second)], None).await;
    assert_eq!(new.status(), StatusCode::OK);
    let again = app
        .call("admin_resend_verification", &[("id", &id)], Some(&admin))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "already confirmed");
    let list = app
        .get("/admin/users?verified=yes", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("ann@example.org"));
    let acts = actions(&app).await;
    assert!(acts.contains(&"user.reset_link_sent".to_string()));
    assert!(acts.contains(&"email.verification_sent".to_string()));
}

#[tokio::test]
async fn a_person_resends_their_own_confirmation_a_few_times_an_hour() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let home = app.get("/", Some(&cookie)).await.text().await.unwrap();
    assert!(home.contains("Resend verification email"));
    for _ in 0..2 {
        let res = app.call("resend_verification", &[], Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let limited = app.call("resend_verification", &[], Some(&cookie)).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "three an hour, sign-up's included"
    );
    assert_eq!(kinds(&app, "ann@example.org").await.len(), 3);
    let anonymous = app.call("resend_verification", &[], None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
