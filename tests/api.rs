//! The JSON API and personal access tokens over HTTP (`shared/SECURITY.md`, API tokens): each
//! endpoint's happy path and error statuses, the scope matrix, revoked and expired tokens, the
//! token stored only as SHA-256, keyset pagination while users are added, the rate limit, and
//! the OpenAPI document against the router.

use crate::common::{session_cookie, spawn_app, spawn_app_with, TestApp, PASSWORD};
use reqwest::{header, Method, Response, StatusCode};
use roster::server::clock::Clock;
use serde_json::{json, Value};

const ALL_SCOPES: [&str; 4] = ["profile_read", "profile_write", "users_read", "users_write"];

/// Signs up (or, for an administrator, creates through the command line's path) and signs in.
async fn person(app: &TestApp, email: &str, admin: bool) -> String {
    if admin {
        roster::admin::users::create_admin_from_cli(&app.state, email, "Ada Admin", PASSWORD, 0)
            .await
            .expect("admin created");
        let res = app.log_in(email, PASSWORD, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        session_cookie(&res).unwrap()
    } else {
        app.sign_up(email, "Pat Person").await
    }
}

/// Makes a token on /settings/tokens (the form's server function) and reads it back from the
/// page's data, where it is shown once.
async fn make_token(app: &TestApp, cookie: &str, scopes: &[&str], expires: &str) -> String {
    let res = try_make_token(app, cookie, scopes, expires).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let page: Value = app
        .call("tokens", &[], Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    page["new_token"].as_str().expect("shown once").to_string()
}

async fn try_make_token(app: &TestApp, cookie: &str, scopes: &[&str], expires: &str) -> Response {
    let mut form = vec![("name", "script"), ("expires", expires)];
    for s in scopes {
        form.push((s, "on"));
    }
    app.call("create_token", &form, Some(cookie)).await
}

async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// Asserts a problem+json answer of `status` and `slug`; returns its body.
async fn problem(res: Response, status: StatusCode, slug: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("/api/docs#problem-{slug}"), "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["request_id"].as_str().is_some_and(|id| id.len() > 10));
    body
}

#[tokio::test]
async fn a_token_is_shown_once_and_only_its_sha256_is_stored() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;

    let token = make_token(&app, &cookie, &["profile_read"], "30").await;

    assert!(
        token.starts_with("roster_pat_") && token.len() == 11 + 32,
        "{token}"
    );
    let again: Value = app
        .call("tokens", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(again["new_token"].is_null(), "shown a second time");
    assert_eq!(again["tokens"][0]["name"], "script");
    assert_eq!(again["tokens"][0]["scopes"], json!(["profile:read"]));
    let row: (Vec<u8>, String, String, Option<i64>) =
        sqlx::query_as("SELECT token_hash, name, scopes, expires_at FROM personal_access_tokens")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    use sha2::Digest;
    assert_eq!(row.0, sha2::Sha256::digest(token.as_bytes()).to_vec());
    assert!(!format!("{row:?}").contains(&token[11..]));
    assert!(row.3.is_some(), "30 days given, so it expires");
    let dump: Vec<(String,)> = sqlx::query_as("SELECT details FROM audit_events")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        !format!("{dump:?}").contains(&token[11..]),
        "token in the audit trail"
    );
    let created: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'token.created'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(created, 1);

    // The person's data export lists the token, without its text or hash.
    let export = app
        .get("/settings/account/export", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let data: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(data["personal_access_tokens"][0]["name"], "script");
    assert!(!export.contains(&token[11..]) && !export.contains("token_hash"));
}

#[tokio::test]
async fn the_token_form_refuses_bad_fields_admin_scopes_for_users_and_a_51st_token() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;

    let res = try_make_token(&app, &cookie, &[], "forever").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Choose at least one scope") && body.contains("expires"),
        "{body}"
    );

    let res = try_make_token(&app, &cookie, &["users_read"], "30").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Only administrators"));
    assert_eq!(app.count("personal_access_tokens").await, 0);

    for _ in 0..50 {
        make_token(&app, &cookie, &["profile_read"], "7").await;
    }
    let res = try_make_token(&app, &cookie, &["profile_read"], "7").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("personal_access_tokens").await, 50);
}

#[tokio::test]
async fn get_and_patch_me_with_one_validation_and_one_audit_trail() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = make_token(&app, &cookie, &["profile_read", "profile_write"], "30").await;

    let res = api(&app, Method::GET, "/me", &token, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["email"], "pat@example.org");
    assert_eq!(me["display_name"], "Pat Person");
    assert_eq!(me["role"], "user");

    let res = api(
        &app,
        Method::PATCH,
        "/me",
        &token,
        Some(json!({"bio": "Hello", "time_zone": "Europe/Lisbon", "theme": "dark"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (
            &me["bio"],
            &me["time_zone"],
            &me["theme"],
            &me["display_name"]
        ),
        (
            &json!("Hello"),
            &json!("Europe/Lisbon"),
            &json!("dark"),
            &json!("Pat Person")
        )
    );
    let (actor, details): (i64, String) = sqlx::query_as(
        "SELECT actor_user_id, details FROM audit_events WHERE action = 'profile.updated'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(actor, app.user_id("pat@example.org").await);
    assert_eq!(details["via"], "api");
    assert!(details["token_id"].as_i64().is_some());
    assert_eq!(details["changes"]["bio"], json!(["", "Hello"]));

    // The forms' rules, each field named.
    let res = api(
        &app,
        Method::PATCH,
        "/me",
        &token,
        Some(json!({"website": "ftp://x.org", "display_name": "", "time_zone": "Mars/Base"})),
    )
    .await;
    let body = problem(res, StatusCode::BAD_REQUEST, "validation-error").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["display_name", "website", "time_zone"]);
    let me: Value = api(&app, Method::GET, "/me", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["website"], "", "a refused change changed nothing");
}

#[tokio::test]
async fn bad_bodies_get_415_400_and_413_as_problems() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = make_token(&app, &cookie, &["profile_write"], "30").await;
    let send = |body: String, content_type: &'static str| {
        app.client
            .patch(app.url("/api/v1/me"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };

    let res = send(r#"{"bio":"x"}"#.into(), "text/plain").await.unwrap();
    problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let res = send(r#"{"bio": "#.into(), "application/json")
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "malformed-json").await;
    let res = send(r#"{"bio":"x","admin":true}"#.into(), "application/json")
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "unknown-field").await;
    let res = send(r#"{"bio":5}"#.into(), "application/json")
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "invalid-body").await;
    let big = format!(r#"{{"bio":"{}"}}"#, "x".repeat(70 * 1024));
    let res = send(big, "application/json").await.unwrap();
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
    let res = send(r#"{"bio":" padded "}"#.into(), "application/json")
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "validation-error").await;
}

#[tokio::test]
async fn missing_invalid_revoked_expired_and_misplaced_tokens_are_refused() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = make_token(&app, &cookie, &["profile_read"], "7").await;

    // No header; another scheme; a session cookie alone.
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        res.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"roster\""
    );
    problem(res, StatusCode::UNAUTHORIZED, "authentication-required").await;
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header(header::AUTHORIZATION, "Basic cGF0OnB3")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "authentication-required").await;
    let res = app.get("/api/v1/me", Some(&cookie)).await;
    problem(res, StatusCode::UNAUTHORIZED, "authentication-required").await;

    // Not a token, or a token-shaped guess.
    for bad in ["nonsense", &format!("roster_pat_{}", "A".repeat(32))] {
        let res = api(&app, Method::GET, "/me", bad, None).await;
        let challenge = res.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        problem(res, StatusCode::UNAUTHORIZED, "invalid-token").await;
    }

    // In the query string, even with a good header.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/me?access_token={token}")))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST, "token-in-query").await;

    // Revoked: refused at once.
    let other = make_token(&app, &cookie, &["profile_read"], "never").await;
    assert_eq!(
        api(&app, Method::GET, "/me", &other, None).await.status(),
        StatusCode::OK
    );
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM personal_access_tokens WHERE expires_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let res = app
        .call("revoke_token", &[("id", &id.to_string())], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        api(&app, Method::GET, "/me", &other, None).await,
        StatusCode::UNAUTHORIZED,
        "invalid-token",
    )
    .await;
    // Someone else cannot revoke it (nor learn it exists).
    let stranger = person(&app, "sam@example.org", false).await;
    let res = app
        .call("revoke_token", &[("id", &id.to_string())], Some(&stranger))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Good now; expired after its 7 days.
    assert_eq!(
        api(&app, Method::GET, "/me", &token, None).await.status(),
        StatusCode::OK
    );
    app.clock.advance(7 * 86_400 + 1);
    let body = problem(
        api(&app, Method::GET, "/me", &token, None).await,
        StatusCode::UNAUTHORIZED,
        "invalid-token",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn a_token_cannot_make_list_or_revoke_tokens() {
    let app = spawn_app().await;
    let cookie = person(&app, "ada@example.org", true).await;
    let token = make_token(&app, &cookie, &ALL_SCOPES, "30").await;
    let bearer = format!("Bearer {token}");

    for (endpoint, form) in [
        (
            "create_token",
            vec![("name", "x"), ("profile_read", "on"), ("expires", "30")],
        ),
        ("tokens", vec![]),
        ("revoke_token", vec![("id", "1")]),
    ] {
        let res = app
            .client
            .post(app.url(&format!("/fn/{endpoint}")))
            .header(header::AUTHORIZATION, &bearer)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    assert_eq!(app.count("personal_access_tokens").await, 1);
    let res = api(&app, Method::POST, "/tokens", &token, Some(json!({}))).await;
    problem(res, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn scopes_decide_each_call_and_a_demoted_admin_loses_users_scopes_at_once() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let reader = make_token(&app, &admin, &["profile_read", "users_read"], "30").await;
    let writer = make_token(&app, &admin, &ALL_SCOPES, "30").await;

    // (token, method, path, body, expected status)
    let matrix = [
        (&reader, Method::GET, "/me", None, StatusCode::OK),
        (
            &reader,
            Method::PATCH,
            "/me",
            Some(json!({"bio": "x"})),
            StatusCode::FORBIDDEN,
        ),
        (&reader, Method::GET, "/users", None, StatusCode::OK),
        (&reader, Method::GET, "/users/1", None, StatusCode::OK),
        (
            &reader,
            Method::POST,
            "/users",
            Some(json!({"email": "a@b.org", "display_name": "A"})),
            StatusCode::FORBIDDEN,
        ),
        (
            &reader,
            Method::PATCH,
            "/users/1",
            Some(json!({"bio": "x"})),
            StatusCode::FORBIDDEN,
        ),
        (
            &reader,
            Method::DELETE,
            "/users/1",
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &writer,
            Method::PATCH,
            "/me",
            Some(json!({"bio": "y"})),
            StatusCode::OK,
        ),
        (
            &writer,
            Method::POST,
            "/users",
            Some(json!({"email": "b@b.org", "display_name": "B"})),
            StatusCode::CREATED,
        ),
    ];
    for (token, method, path, body, status) in matrix {
        let res = api(&app, method.clone(), path, token, body).await;
        assert_eq!(res.status(), status, "{method} {path}");
        if status == StatusCode::FORBIDDEN {
            let challenge = res.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .to_string();
            assert!(challenge.contains("insufficient_scope"), "{challenge}");
            let body = problem(res, status, "insufficient-scope").await;
            assert!(body["scope"].as_str().unwrap().contains(':'));
        }
    }

    // Demote the administrator (another one does it): their users:* scopes stop at once.
    let other = person(&app, "bo@example.org", true).await;
    let other_token = make_token(&app, &other, &ALL_SCOPES, "30").await;
    let ada = app.user_id("ada@example.org").await;
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{ada}"),
        &other_token,
        Some(json!({"role": "user"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = problem(
        api(&app, Method::GET, "/users", &reader, None).await,
        StatusCode::FORBIDDEN,
        "insufficient-scope",
    )
    .await;
    assert_eq!(body["scope"], "users:read");
    assert_eq!(
        api(&app, Method::GET, "/me", &reader, None).await.status(),
        StatusCode::OK
    );

    // Disabled: every token of theirs stops.
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{ada}"),
        &other_token,
        Some(json!({"status": "disabled"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        api(&app, Method::GET, "/me", &reader, None).await,
        StatusCode::UNAUTHORIZED,
        "invalid-token",
    )
    .await;
}

#[tokio::test]
async fn admins_tokens_create_read_change_and_delete_users_with_the_consoles_rules() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let token = make_token(&app, &admin, &ALL_SCOPES, "30").await;
    let ada = app.user_id("ada@example.org").await;

    let res = api(
        &app,
        Method::POST,
        "/users",
        &token,
        Some(json!({"email": "Cy@Example.org", "display_name": "Cy"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let cy: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/users/{}", cy["id"]));
    assert_eq!(
        (&cy["email"], &cy["role"], &cy["status"]),
        (&json!("cy@example.org"), &json!("user"), &json!("active"))
    );
    assert!(cy["last_login_at"].is_null());
    let id = cy["id"].as_i64().unwrap();
    let (details,): (String,) = sqlx::query_as(
        "SELECT details FROM audit_events WHERE action = 'user.created' AND target_user_id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["via"], "api");
    assert!(details["token_id"].is_i64());

    let res = api(
        &app,
        Method::POST,
        "/users",
        &token,
        Some(json!({"email": "cy@example.org", "display_name": "Cy 2"})),
    )
    .await;
    problem(res, StatusCode::CONFLICT, "conflict").await;
    let res = api(
        &app,
        Method::POST,
        "/users",
        &token,
        Some(json!({"email": "not-an-email", "display_name": "X"})),
    )
    .await;
    problem(res, StatusCode::BAD_REQUEST, "validation-error").await;
    let res = api(
        &app,
        Method::POST,
        "/users",
        &token,
        Some(json!({"display_name": "X"})),
    )
    .await;
    problem(res, StatusCode::BAD_REQUEST, "invalid-body").await;

    let res = api(&app, Method::GET, &format!("/users/{id}"), &token, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{id}"),
        &token,
        Some(json!({"role": "admin", "location": "Porto"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cy: Value = res.json().await.unwrap();
    assert_eq!(
        (&cy["role"], &cy["location"], &cy["display_name"]),
        (&json!("admin"), &json!("Porto"), &json!("Cy"))
    );

    // The console's protections hold here too.
    let res = api(
        &app,
        Method::PATCH,
        &format!("/users/{ada}"),
        &token,
        Some(json!({"role": "user"})),
    )
    .await;
    problem(res, StatusCode::CONFLICT, "conflict").await;
    let res = api(&app, Method::DELETE, &format!("/users/{ada}"), &token, None).await;
    problem(res, StatusCode::CONFLICT, "conflict").await;

    let res = api(&app, Method::DELETE, &format!("/users/{id}"), &token, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = api(&app, Method::GET, &format!("/users/{id}"), &token, None).await;
    problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = api(&app, Method::DELETE, &format!("/users/{id}"), &token, None).await;
    problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = api(&app, Method::GET, "/users/abc", &token, None).await;
    problem(res, StatusCode::BAD_REQUEST, "invalid-parameter").await;
    let res = api(&app, Method::PUT, "/users/1", &token, None).await;
    problem(res, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed").await;
}

#[tokio::test]
async fn paging_returns_every_user_exactly_once_while_users_are_added() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let token = make_token(&app, &admin, &["users_read"], "30").await;
    roster::store::seed::seed_users(&app.pool, 30, app.clock.now())
        .await
        .unwrap();
    let before: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/users?limit=7&cursor={c}"),
            None => "/users?limit=7".to_string(),
        };
        let page: Value = api(&app, Method::GET, &path, &token, None)
            .await
            .json()
            .await
            .unwrap();
        let users = page["users"].as_array().unwrap();
        assert!(users.len() <= 7);
        seen.extend(users.iter().map(|u| u["id"].as_i64().unwrap()));
        // Someone signs up between pages.
        app.sign_up(&format!("late{added}@example.org"), "Late")
            .await;
        added += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(added < 50, "paging does not end");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "a user came twice");
    for id in &before {
        assert!(seen.contains(id), "user {id} missing");
    }

    // Filters, and bad parameters.
    let page: Value = api(
        &app,
        Method::GET,
        "/users?q=seed-1&role=user&limit=200",
        &token,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let emails: Vec<&str> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(
        !emails.is_empty() && emails.iter().all(|e| e.contains("seed-1")),
        "{emails:?}"
    );
    let admins: Value = api(&app, Method::GET, "/users?role=admin", &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admins["users"].as_array().unwrap().len(), 1);
    for bad in [
        "/users?limit=0",
        "/users?limit=201",
        "/users?cursor=abc",
        "/users?role=owner",
    ] {
        let res = api(&app, Method::GET, bad, &token, None).await;
        problem(res, StatusCode::BAD_REQUEST, "invalid-parameter").await;
    }
}

#[tokio::test]
async fn each_token_is_rate_limited_with_retry_after() {
    let app = spawn_app_with(|config| config.throttle.api_calls_per_minute = 2).await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = make_token(&app, &cookie, &["profile_read"], "30").await;
    let other = make_token(&app, &cookie, &["profile_read"], "30").await;

    for _ in 0..2 {
        assert_eq!(
            api(&app, Method::GET, "/me", &token, None).await.status(),
            StatusCode::OK
        );
    }
    let res = api(&app, Method::GET, "/me", &token, None).await;
    let wait: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let body = problem(res, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    assert_eq!(body["retry_after"], wait);
    assert_eq!(
        api(&app, Method::GET, "/me", &other, None).await.status(),
        StatusCode::OK
    );
}

/// The served document is OpenAPI 3.1 whose every `$ref` resolves, and it matches the router
/// both ways: each documented operation is routed (it answers 401 to a call without a token,
/// not 404 or 405), and each documented path refuses every other method with 405, while paths
/// outside the document are 404.
#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let app = spawn_app().await;
    let res = app.get("/api/openapi.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    serde_json::from_value::<utoipa::openapi::OpenApi>(doc.clone()).expect("a valid document");

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        assert!(
            doc.pointer(r.trim_start_matches('#')).is_some(),
            "dangling {r}"
        );
    }

    let methods = ["get", "post", "put", "patch", "delete"];
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 3);
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{id}", "1");
        for method in methods {
            let req = app.client.request(
                method.to_uppercase().parse().unwrap(),
                app.url(&format!("/api/v1{concrete}")),
            );
            let res = req.send().await.unwrap();
            if item.get(method).is_some() {
                operations += 1;
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                let security = &item[method]["security"][0]["bearer"][0];
                assert!(
                    security.as_str().is_some_and(|s| s.contains(':')),
                    "{method} {path}: no scope"
                );
            } else {
                assert_eq!(
                    res.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(operations, 7);
    for path in [
        "/api/v1/tokens",
        "/api/v1/me/tokens",
        "/api/v1/users/1/sessions",
    ] {
        let res = app.get(path, None).await;
        problem(res, StatusCode::NOT_FOUND, "not-found").await;
    }
    // The reference page lists every operation and problem type.
    let page = app.get("/api/docs", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        "GET /api/v1/me",
        "DELETE /api/v1/users/{id}",
        "problem-insufficient-scope",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
}
