//! Several nodes on one PostgreSQL database (issue 14): what one node does, every other one
//! sees at the next request. The in-process nodes are apps of their own (their own throttles,
//! caches and ports) on one database; the last test runs two `roster serve` processes. On
//! SQLite (one file serves one node) these return at once: the suite's PostgreSQL run
//! (`scripts/test`) is where they count.

use futures_util::future::join_all;
use reqwest::{header, Method, StatusCode};
use roster::server::db::query;

use crate::{
    admin::{edit_form, update},
    common::{serve_with, session_cookie, spawn_app_with, TestApp, PASSWORD},
    sessions::signed_in,
};

/// Two nodes on one PostgreSQL database, or `None` on SQLite.
async fn two_nodes(adjust: fn(&mut roster::server::Config)) -> Option<(TestApp, TestApp)> {
    let a = spawn_app_with(adjust).await;
    a.pool.postgres()?;
    let b = a.another_node(adjust).await;
    Some((a, b))
}

#[tokio::test]
async fn a_session_made_on_one_node_works_on_the_other_and_ends_on_both() {
    let Some((a, b)) = two_nodes(|_| {}).await else {
        return;
    };
    let cookie = a.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&b, &cookie).await, "B knows A's session");
    let page = b.get("/profile", Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("Ann"));

    let out = b.call("log_out", &[], Some(&cookie)).await;
    assert_eq!(out.status(), StatusCode::OK);
    assert!(
        !signed_in(&a, &cookie).await,
        "signed out on B ends it on A"
    );
    assert!(!signed_in(&b, &cookie).await);
}

#[tokio::test]
async fn a_password_change_disable_and_role_change_on_one_node_act_on_the_next_request_at_the_other(
) {
    let Some((a, b)) = two_nodes(|_| {}).await else {
        return;
    };
    // A password change on A ends Ann's other sessions, the one B serves too.
    let on_b = b.sign_up("ann@example.org", "Ann").await;
    let on_a = a.log_in("ann@example.org", PASSWORD, None).await;
    let on_a = session_cookie(&on_a).unwrap();
    let changed = a
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a completely different passphrase"),
            ],
            Some(&on_a),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(
        !signed_in(&b, &on_b).await,
        "password change on A ends B's session"
    );

    // An administrator on A disables Bob; his session on B ends at once. Then Cy is made an
    // administrator on A: his session on B ends too (a role change ends sessions).
    let admin = a.with_admin("root@example.org").await;
    let bob = b.sign_up("bob@example.org", "Bob").await;
    let bob_id = a.user_id("bob@example.org").await.to_string();
    let res = update(&a, &admin, &edit_form(&bob_id, "user", "disabled")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&b, &bob).await, "disabled on A, signed out on B");
    let cy = b.sign_up("cy@example.org", "Cy").await;
    let cy_id = a.user_id("cy@example.org").await.to_string();
    let res = update(&a, &admin, &edit_form(&cy_id, "admin", "active")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !signed_in(&b, &cy).await,
        "role change on A, signed out on B"
    );
}

/// Each node answers signed-in pages and API calls from its authentication cache (issue 18); a
/// change made on one node reaches the other's cache through PostgreSQL's notifications, in
/// the time it takes to deliver one (bounded here at a second; milliseconds in practice).
#[tokio::test]
async fn a_change_on_one_node_reaches_the_other_nodes_cache() {
    let Some((a, b)) = two_nodes(|_| {}).await else {
        return;
    };
    let admin = a.with_admin("root@example.org").await;
    let ann = a.sign_up("ann@example.org", "Ann").await;
    let token = a.with_token(&ann, &["profile_read"], "30").await;
    // B fills its cache: the second page view and API call are hits.
    assert!(signed_in(&b, &ann).await);
    let me = b.api(Method::GET, "/me", &token, None).await;
    assert_eq!(me.status(), StatusCode::OK);
    let (hits, _) = b.state.auth_cache().hits_and_misses();
    assert!(signed_in(&b, &ann).await);
    let me = b.api(Method::GET, "/me", &token, None).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(b.state.auth_cache().hits_and_misses().0, hits + 2);

    // Disabled on A: B signs Ann out and refuses her token.
    let ann_id = a.user_id("ann@example.org").await.to_string();
    let res = update(&a, &admin, &edit_form(&ann_id, "user", "disabled")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let changed = std::time::Instant::now();
    loop {
        let me = b.api(Method::GET, "/me", &token, None).await;
        if me.status() != StatusCode::OK && !signed_in(&b, &ann).await {
            assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
            break;
        }
        assert!(
            changed.elapsed() < std::time::Duration::from_secs(1),
            "B still serves Ann from its cache"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    eprintln!("B saw the change after {:?}", changed.elapsed());
}

/// Wrong passwords split across two nodes are counted together: five checked, then 429 on
/// either node; sixty sent at once to both are checked at most five times in all.
#[tokio::test]
async fn failed_logins_split_across_nodes_are_counted_together() {
    let Some((a, b)) = two_nodes(|_| {}).await else {
        return;
    };
    a.sign_up("ann@example.org", "Ann").await;
    for i in 0..5 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = node
            .log_in("ann@example.org", "not the password!", None)
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for node in [&a, &b] {
        let res = node
            .log_in("ann@example.org", "not the password!", None)
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
    }

    a.sign_up("bea@example.org", "Bea").await;
    let checked_before = a.state.passwords().verified() + b.state.passwords().verified();
    let calls = (0..60).map(|i| {
        let node = if i % 2 == 0 { &a } else { &b };
        node.log_in("bea@example.org", "not the password!", None)
    });
    let statuses: Vec<StatusCode> = join_all(calls).await.iter().map(|r| r.status()).collect();
    let checked = a.state.passwords().verified() + b.state.passwords().verified() - checked_before;
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        checked <= 5 && refused <= 5,
        "{checked} checked: {statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count()
            + refused,
        60
    );
}

/// One token's API limit is one bucket, whichever node a call reaches.
#[tokio::test]
async fn one_tokens_api_limit_is_shared_by_the_nodes() {
    let Some((a, b)) = two_nodes(|config| config.throttle.api_calls_per_minute = 4).await else {
        return;
    };
    let cookie = a.sign_up("pat@example.org", "Pat").await;
    let token = a.with_token(&cookie, &["profile_read"], "30").await;
    for i in 0..4 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = node.api(Method::GET, "/me", &token, None).await;
        assert_eq!(res.status(), StatusCode::OK, "call {i}");
    }
    for node in [&a, &b] {
        let res = node.api(Method::GET, "/me", &token, None).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

/// Sign-ups from one address are counted across nodes.
#[tokio::test]
async fn sign_ups_from_one_address_are_counted_across_nodes() {
    let Some((a, b)) = two_nodes(|config| config.throttle.signups_per_hour = 3).await else {
        return;
    };
    for (i, email) in ["a@example.org", "b@example.org", "c@example.org"]
        .iter()
        .enumerate()
    {
        let node = if i % 2 == 0 { &a } else { &b };
        node.sign_up(email, "Someone").await;
    }
    for node in [&a, &b] {
        let res = node.try_sign_up("d@example.org", "D", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

/// Two `roster serve` processes started at once on an empty database: both come up ready,
/// the schema is migrated once, and a session one makes is valid at the other.
#[tokio::test]
async fn two_serve_processes_start_together_on_an_empty_database() {
    if crate::common::postgres::server_url().is_none() {
        return;
    }
    let db = crate::common::postgres::TestDatabase::empty().await;
    let env = [("ROSTER_SECURE_COOKIES", "false")];
    let (a, b) = tokio::join!(serve_with(&db.url, &env), serve_with(&db.url, &env));
    for node in [&a, &b] {
        let ready = reqwest::get(format!("{}/readyz", node.base)).await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
    }
    let pool = roster::server::db::open(&db.url).await.unwrap();
    let applied: i64 = query("SELECT COUNT(*) FROM _sqlx_migrations")
        .scalar(&pool)
        .await
        .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(applied, files);
    pool.close().await;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{}/fn/sign_up", a.base))
        .form(&crate::common::sign_up_form(
            "ann@example.org",
            "Ann",
            PASSWORD,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .find_map(|v| v.to_str().ok().filter(|v| v.starts_with("roster_session=")))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("a session cookie");
    let profile = client
        .get(format!("{}/profile", b.base))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::OK, "B serves A's session");
    assert!(profile.text().await.unwrap().contains("Ann"));

    // `roster backup` says to use pg_dump, and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let backup = std::process::Command::new(crate::common::BIN)
        .args(["backup", copy.to_str().unwrap()])
        .env("ROSTER_DATABASE_URL", &db.url)
        .env("ROSTER_LOG", "warn")
        .output()
        .unwrap();
    assert!(!backup.status.success());
    let said = String::from_utf8_lossy(&backup.stderr);
    assert!(said.contains("pg_dump --format=custom"), "{said}");
    assert!(!copy.exists());

    // SIGTERM: both stop cleanly, closing their pools, well inside the 30 s promise.
    let stopping = std::time::Instant::now();
    for mut node in [a, b] {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &node.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let status = node.child.0.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
    assert!(
        stopping.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        stopping.elapsed()
    );
}
