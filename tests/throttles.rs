//! Throttles that hold in a real deployment (`shared/SECURITY.md`, Login; issue 13): attempts
//! sent at the same moment limited like attempts sent one by one, the client's address taken
//! from a trusted proxy's `X-Forwarded-For` and from nobody else's, keys of a fixed size, and
//! the public CPU work (strength hints, sign-up) throttled before it runs.

use crate::common::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use futures_util::future::join_all;
use reqwest::{header, StatusCode};
use roster::server::db::query;

/// Sends `log_in` as the client at `forwarded` (an `X-Forwarded-For` header) when given.
async fn log_in_as(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/fn/log_in"))
        .form(&[("email", email), ("password", password)]);
    if let Some(ip) = forwarded {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

/// Sends `calls` all at once and checks the throttle's promise for a password: of the answers,
/// at most five are `checked` (the password was verified and refused) and the rest 429, and at
/// most five passwords were verified meanwhile. `what` names the case in a failure.
async fn at_most_five_checked<F>(
    app: &TestApp,
    calls: impl IntoIterator<Item = F>,
    checked: StatusCode,
    what: &str,
) where
    F: std::future::Future<Output = reqwest::Response>,
{
    let verified_before = app.state.passwords().verified();
    let statuses: Vec<StatusCode> = join_all(calls)
        .await
        .into_iter()
        .map(|res| res.status())
        .collect();
    let refused = statuses.iter().filter(|s| **s == checked).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused + limited, statuses.len(), "{what}: {statuses:?}");
    assert!(
        refused <= 5,
        "{what}: {refused} passwords checked: {statuses:?}"
    );
    assert!(
        app.state.passwords().verified() - verified_before <= 5,
        "{what}"
    );
}

#[tokio::test]
async fn sixty_wrong_passwords_at_once_for_one_account_check_at_most_five() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let calls = (0..60).map(|_| app.log_in("ann@example.org", "not the password!", None));
    at_most_five_checked(&app, calls, StatusCode::UNAUTHORIZED, "log_in").await;
}

#[tokio::test]
async fn sixty_wrong_current_passwords_at_once_check_at_most_five_on_both_forms() {
    let app = spawn_app().await;
    let mut cookie = app.sign_up("ann@example.org", "Ann").await;
    for (endpoint, field) in [
        ("change_password", "current_password"),
        ("delete_account", "password"),
    ] {
        let form: Vec<(&str, &str)> = match endpoint {
            "change_password" => vec![
                (field, "not the password!"),
                ("new_password", "a completely different passphrase"),
            ],
            _ => vec![(field, "not the password!")],
        };
        let calls = (0..60).map(|_| app.call(endpoint, &form, Some(&cookie)));
        at_most_five_checked(&app, calls, StatusCode::BAD_REQUEST, endpoint).await;
        // The account's count starts again only after a right password; wait out the block
        // (the old session has expired meanwhile: sign in again).
        app.clock.advance(3600);
        let ok = app.log_in("ann@example.org", PASSWORD, None).await;
        assert_eq!(ok.status(), StatusCode::OK, "{endpoint}");
        cookie = crate::common::session_cookie(&ok).unwrap();
    }
    assert_eq!(app.count("users").await, 1, "nothing was deleted");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_the_one_throttled_audited_and_listed() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies =
            roster::server::config::parse_trusted_proxies("127.0.0.1/32").unwrap()
    })
    .await;
    // The client wrote "198.51.100.77" itself; the proxy appended the address it saw.
    let res = app
        .client
        .post(app.url("/fn/sign_up"))
        .header("x-forwarded-for", "198.51.100.77, 203.0.113.5")
        .form(&crate::common::sign_up_form(
            "ann@example.org",
            "Ann",
            PASSWORD,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = crate::common::session_cookie(&res).unwrap();
    let ip: String = query("SELECT ip FROM audit_events WHERE action = 'account.created'")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(ip, "203.0.113.5");
    let sessions: serde_json::Value = app
        .client
        .post(app.url("/fn/sessions"))
        .header(header::COOKIE, &cookie)
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions[0]["ip"], "203.0.113.5");

    // Twenty failures from one client (for twenty accounts) make it wait; another client
    // behind the same proxy does not.
    for i in 0..20 {
        let res = log_in_as(
            &app,
            &format!("x{i}@example.org"),
            "nope nope nope",
            Some("203.0.113.5"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = log_in_as(&app, "y@example.org", "nope nope nope", Some("203.0.113.5")).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = log_in_as(&app, "y@example.org", "nope nope nope", Some("203.0.113.6")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_dodges_nothing() {
    let app = spawn_app().await;
    for i in 0..20 {
        let forged = format!("192.0.2.{i}");
        let res = log_in_as(
            &app,
            &format!("x{i}@example.org"),
            "nope nope nope",
            Some(&forged),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = log_in_as(&app, "y@example.org", "nope nope nope", Some("192.0.2.99")).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the peer is one client"
    );
    let ips: Vec<String> = query("SELECT DISTINCT ip FROM audit_events")
        .scalars(&app.pool)
        .await
        .unwrap();
    assert_eq!(ips, ["127.0.0.1"]);
}

/// 150 failed logins with 60 KB names (each from its own client, so none is throttled before
/// its password is checked) leave 150 keys of a fixed size, not 9 MB of names.
#[tokio::test]
async fn long_names_leave_fixed_size_keys() {
    let app = spawn_app_with(|config| {
        config.trusted_proxies =
            roster::server::config::parse_trusted_proxies("127.0.0.1/32").unwrap()
    })
    .await;
    let (_, _, before) = app.state.throttle().login_footprint().await;
    for i in 0..150u32 {
        let name = format!("{i:03}{}", "n".repeat(60 * 1024));
        let client = format!("10.{}.{}.1", i / 256, i % 256);
        let res = log_in_as(&app, &name, "nope nope nope", Some(&client)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{i}");
    }
    let (accounts, ips, after) = app.state.throttle().login_footprint().await;
    assert_eq!((accounts, ips), (150, 150));
    assert!(
        after - before < 150 * 200,
        "{} bytes held for 150 names of 60 KB",
        after - before
    );
}

#[tokio::test]
async fn strength_hints_are_throttled_per_client_with_retry_after() {
    let app = spawn_app_with(|config| config.throttle.hints_per_minute = 3).await;
    for _ in 0..3 {
        let res = app
            .call(
                "password_hint",
                &[("password", "a sample passphrase")],
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .call(
            "password_hint",
            &[("password", "a sample passphrase")],
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
}

/// The sign-up throttle comes before the strength check: a throttled client gets 429 at once,
/// its password never judged.
#[tokio::test]
async fn sign_up_is_throttled_before_its_password_is_judged() {
    let app = spawn_app_with(|config| config.throttle.signups_per_hour = 1).await;
    app.sign_up("ann@example.org", "Ann").await;

    let res = app
        .try_sign_up("bob@example.org", "Bob", "password123456")
        .await;

    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("users").await, 1);
}
