//! One test per promise of `shared/SECURITY.md` that this build keeps; each fails if its
//! promise breaks.

use crate::common::{spawn_app, PASSWORD};
use reqwest::{header, Response, StatusCode};
use roster::server::db::query;

fn header_of(res: &Response, name: header::HeaderName) -> String {
    res.headers()
        .get(&name)
        .unwrap_or_else(|| panic!("{name} missing on {}", res.url()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The nonce on the page's inline scripts.
fn script_nonce(html: &str) -> String {
    let at = html
        .find("<script type=\"module\" nonce=\"")
        .expect("hydration script")
        + 29;
    html[at..].split('"').next().unwrap().to_string()
}

fn assert_common_headers(res: &Response) {
    assert_eq!(header_of(res, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(res, header::REFERRER_POLICY), "same-origin");
    assert_eq!(header_of(res, header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(
        header_of(res, header::STRICT_TRANSPORT_SECURITY),
        "max-age=63072000; includeSubDomains"
    );
    assert!(res.headers().get(header::SERVER).is_none(), "server banner");
    let csp = header_of(res, header::CONTENT_SECURITY_POLICY);
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn every_page_has_security_headers_and_a_csp_nonce_its_scripts_use() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    for (path, cookie) in [
        ("/", None),
        ("/login", None),
        ("/signup", None),
        ("/no-such-page", None),
        ("/", Some(cookie.as_str())),
        ("/profile", Some(cookie.as_str())),
        ("/settings", Some(cookie.as_str())),
        ("/settings/password", Some(cookie.as_str())),
        ("/settings/sessions", Some(cookie.as_str())),
        ("/settings/account", Some(cookie.as_str())),
        ("/settings/security", Some(cookie.as_str())),
        ("/login/verify", None),
    ] {
        let res = app.get(path, cookie).await;
        assert_common_headers(&res);
        assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store", "{path}");
        let csp = header_of(&res, header::CONTENT_SECURITY_POLICY);
        let html = res.text().await.unwrap();
        let nonce = script_nonce(&html);
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(
            csp.contains(&format!("script-src 'self' 'nonce-{nonce}'")),
            "{path}: {csp}"
        );
        // Every inline script carries the nonce.
        assert_eq!(
            html.matches("<script").count(),
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn nonces_differ_between_responses() {
    let app = spawn_app().await;

    let first = script_nonce(&app.get("/", None).await.text().await.unwrap());
    let second = script_nonce(&app.get("/", None).await.text().await.unwrap());

    assert_ne!(first, second);

    // Rendered pages (not the anonymous cache) too: the page policy middleware makes each.
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let res = app.get("/profile", Some(&cookie)).await;
        nonces.push(script_nonce(&res.text().await.unwrap()));
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn other_responses_get_a_deny_all_policy_and_no_store() {
    let app = spawn_app().await;

    let redirect = app.get("/profile", None).await;
    let server_fn = app.log_in("ann@example.org", PASSWORD, None).await;
    let too_large = app
        .call(
            "log_in",
            &[("email", &"x".repeat(100_000)), ("password", "y")],
            None,
        )
        .await;

    assert_eq!(redirect.status(), StatusCode::SEE_OTHER);
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    for res in [&redirect, &server_fn, &too_large] {
        assert_common_headers(res);
        assert!(header_of(res, header::CONTENT_SECURITY_POLICY).starts_with("default-src 'none'"));
        assert_eq!(header_of(res, header::CACHE_CONTROL), "no-store");
    }
}

/// POSTs an `update_profile` with the given extra headers; returns the status.
async fn cross_site_attempt(
    app: &crate::common::TestApp,
    cookie: &str,
    headers: &[(&'static str, String)],
) -> StatusCode {
    let mut req = app
        .client
        .post(app.url("/fn/update_profile"))
        .header(header::COOKIE, cookie)
        .form(&[
            ("display_name", "Hacked"),
            ("bio", ""),
            ("location", ""),
            ("website", ""),
        ]);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn a_post_from_another_origin_gets_403_and_changes_nothing() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    for headers in [
        vec![("origin", "https://evil.example".to_string())],
        vec![("origin", "null".to_string())],
        vec![
            ("origin", "null".to_string()),
            ("sec-fetch-site", "cross-site".to_string()),
        ],
        vec![("sec-fetch-site", "cross-site".to_string())],
        vec![("sec-fetch-site", "same-site".to_string())],
        vec![("referer", "https://evil.example/form".to_string())],
        // Origin decides even when the other two claim the same origin.
        vec![
            ("origin", "https://evil.example".to_string()),
            ("sec-fetch-site", "same-origin".to_string()),
            ("referer", app.url("/profile")),
        ],
    ] {
        let status = cross_site_attempt(&app, &cookie, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert_eq!(app.display_name().await, "Ann");
    // Logging out is a change too.
    let logout = app
        .client
        .post(app.url("/fn/log_out"))
        .header(header::COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("tower_sessions").await, 1);
}

#[tokio::test]
async fn a_post_from_this_origin_is_accepted() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let own = app.base.clone();
    for headers in [
        vec![("origin", own.clone())],
        vec![("sec-fetch-site", "same-origin".to_string())],
        vec![("referer", format!("{own}/profile"))],
        // A browser with referrers turned off: `Origin: null`, but its fetch metadata says.
        vec![
            ("origin", "null".to_string()),
            ("sec-fetch-site", "same-origin".to_string()),
        ],
    ] {
        let status = cross_site_attempt(&app, &cookie, &headers).await;
        assert_eq!(status, StatusCode::OK, "{headers:?}");
    }
    assert_eq!(app.display_name().await, "Hacked");
}

#[tokio::test]
async fn state_never_changes_on_get() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    for endpoint in [
        "log_out",
        "update_profile",
        "update_settings",
        "sign_up",
        "log_in",
    ] {
        let res = app.get(&format!("/fn/{endpoint}"), Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{endpoint}");
    }
    assert_eq!(app.count("tower_sessions").await, 1);
    assert_eq!(app.count("users").await, 1);
}

fn retry_after(res: &Response) -> Option<String> {
    res.headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn six_wrong_passwords_in_a_row_get_429_and_retry_after() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    for _ in 0..5 {
        let res = app
            .log_in("ann@example.org", "wrong password!!", None)
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let sixth = app
        .log_in("ann@example.org", "wrong password!!", None)
        .await;

    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&sixth).as_deref(), Some("1"));
    assert_eq!(
        sixth.text().await.unwrap(),
        r#"{"RateLimited":{"retry_after":1}}"#
    );
    // While blocked, even the right password waits, and no password is checked at all;
    // afterwards it works.
    let checks = app.state.passwords().verified();
    let blocked = app.log_in("Ann@Example.org", PASSWORD, None).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.state.passwords().verified(), checks);
    app.clock.advance(1);
    let after = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(after.status(), StatusCode::OK);
}

#[tokio::test]
async fn waits_grow_with_each_further_failure() {
    let app = spawn_app().await;

    // Failures 1-5 are free; after each later one the next attempt is refused once.
    let mut waits = Vec::new();
    for _ in 0..10 {
        let res = app
            .log_in("ann@example.org", "wrong password!!", None)
            .await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: i64 = retry_after(&res).unwrap().parse().unwrap();
            waits.push(wait);
            app.clock.advance(wait);
        }
    }

    assert_eq!(waits, vec![1, 2, 4]);
}

#[tokio::test]
async fn throttling_says_nothing_about_whether_an_account_exists() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let mut answers = Vec::new();
    for email in ["ann@example.org", "nobody@example.org"] {
        let mut seen = Vec::new();
        for _ in 0..7 {
            let res = app.log_in(email, "wrong password!!", None).await;
            seen.push((res.status(), retry_after(&res), res.text().await.unwrap()));
        }
        answers.push(seen);
    }

    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn sign_up_is_throttled_per_ip() {
    let app = spawn_app().await;

    for i in 0..10 {
        app.sign_up(&format!("user{i}@example.org"), "User").await;
    }
    let res = app.try_sign_up("one-more@example.org", "X", PASSWORD).await;

    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&res).as_deref(), Some("3600"));
    assert_eq!(app.count("users").await, 10);
}

#[tokio::test]
async fn a_129_character_password_and_password123456_are_refused_with_their_reasons() {
    let app = spawn_app().await;
    let too_long = "a".repeat(129);

    let mut messages = Vec::new();
    for password in [too_long.as_str(), "password123456"] {
        let res = app.try_sign_up("ann@example.org", "Ann", password).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        let field = &body["Validation"][0];
        assert_eq!(field["field"], "password");
        messages.push(field["message"].as_str().unwrap().to_string());
    }

    assert_eq!(messages[0], "Use at most 128 characters");
    assert!(
        messages[1].starts_with("Choose a harder password. "),
        "{}",
        messages[1]
    );
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn the_stored_hash_is_argon2id_with_owasp_parameters() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let hash: String = query("SELECT password_hash FROM users")
        .scalar(&app.pool)
        .await
        .unwrap();

    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

#[tokio::test]
async fn a_request_that_never_finishes_its_body_gets_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::common::spawn_app_with(|config| {
        config.request_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();

    // Announces 100 bytes of body, sends 7, then stalls.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /fn/log_in HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("the server answers instead of waiting for ever")
        .unwrap();

    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer
        .to_lowercase()
        .contains("x-content-type-options: nosniff"));
}

#[tokio::test]
async fn a_hash_with_weaker_parameters_is_rehashed_at_the_next_login() {
    use argon2::{password_hash::SaltString, Argon2, PasswordHasher};
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let weak = Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::generate(&mut argon2::password_hash::rand_core::OsRng),
    )
    .unwrap()
    .to_string();
    query("UPDATE users SET password_hash = $1")
        .bind(&weak)
        .execute(&app.pool)
        .await
        .unwrap();

    let res = app.log_in("ann@example.org", PASSWORD, None).await;

    assert_eq!(res.status(), StatusCode::OK);
    let stored: String = query("SELECT password_hash FROM users")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_10_mib_body_gets_413_and_changes_nothing() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let huge = "x".repeat(10 * 1024 * 1024);

    let res = app
        .call(
            "update_profile",
            &[
                ("display_name", "Big"),
                ("bio", huge.as_str()),
                ("location", ""),
                ("website", ""),
            ],
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.display_name().await, "Ann");
}

/// `shared/SECURITY.md`, Requests: forms are capped at 64 KiB. A body of exactly 65,536 bytes
/// is read (and judged: the bio is too long), one byte more is refused unread with 413.
#[tokio::test]
async fn the_form_cap_is_64_kib_to_the_byte() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let post = |total: usize| {
        let frame = "display_name=Big&bio=&location=&website=".len();
        let body = format!(
            "display_name=Big&bio={}&location=&website=",
            "x".repeat(total - frame)
        );
        assert_eq!(body.len(), total);
        app.client
            .post(app.url("/fn/update_profile"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookie)
            .body(body)
            .send()
    };

    let at_the_cap = post(64 * 1024).await.unwrap();
    let over = post(64 * 1024 + 1).await.unwrap();

    assert_eq!(at_the_cap.status(), StatusCode::BAD_REQUEST);
    assert!(at_the_cap
        .text()
        .await
        .unwrap()
        .contains("Use at most 1000 characters"));
    assert_eq!(over.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.display_name().await, "Ann");
}

/// Request ids are the server's: a client's `X-Request-Id` is neither echoed nor used as the
/// id of its errors (issue 13).
#[tokio::test]
async fn a_client_chosen_request_id_is_never_taken() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "forged-id")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id, "forged-id");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["request_id"], id.as_str());
    let page = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "forged-id")
        .send()
        .await
        .unwrap();
    assert_ne!(page.headers()["x-request-id"], "forged-id");
}

/// A miss under `/pkg/` is a plain 404: no page rendered (with the session, without the
/// guard), no account data to cache (issue 13).
#[tokio::test]
async fn a_missing_built_file_is_a_plain_404() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let res = app.get("/pkg/no-such-file.js", Some(&cookie)).await;

    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    let body = res.text().await.unwrap();
    assert_eq!(body, "No such file.");
}
