//! `/users`: the scope matrix, the console's rules through administrators' tokens, and
//! keyset pages.

use super::{insufficient_scope, invalid_token, person, validation_error, ALL_SCOPES};
use crate::common::{problem, spawn_app};
use reqwest::{header, Method, StatusCode};
use roster::server::clock::Clock;
use roster::server::db::query;
use serde_json::{json, Value};

#[tokio::test]
async fn scopes_decide_each_call_and_a_demoted_admin_loses_users_scopes_at_once() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let reader = app
        .with_token(&admin, &["profile_read", "users_read"], "30")
        .await;
    let writer = app.with_token(&admin, &ALL_SCOPES, "30").await;

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
        let res = app.api(method.clone(), path, token, body).await;
        assert_eq!(res.status(), status, "{method} {path}");
        if status == StatusCode::FORBIDDEN {
            let scope = if method == Method::PATCH && path == "/me" {
                "profile:write"
            } else {
                "users:write"
            };
            assert_eq!(
                res.headers()[header::WWW_AUTHENTICATE],
                format!("Bearer realm=\"roster\", error=\"insufficient_scope\", scope=\"{scope}\"")
            );
            assert_eq!(
                problem(res, status).await,
                insufficient_scope(scope, scope.starts_with("users"))
            );
        }
    }

    // Demote the administrator (another one does it): their users:* scopes stop at once.
    let other = person(&app, "bo@example.org", true).await;
    let other_token = app.with_token(&other, &ALL_SCOPES, "30").await;
    let ada = app.user_id("ada@example.org").await;
    let res = app
        .api(
            Method::PATCH,
            &format!("/users/{ada}"),
            &other_token,
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        problem(
            app.api(Method::GET, "/users", &reader, None).await,
            StatusCode::FORBIDDEN
        )
        .await,
        insufficient_scope("users:read", true)
    );
    assert_eq!(
        app.api(Method::GET, "/me", &reader, None).await.status(),
        StatusCode::OK
    );

    // Disabled: every token of theirs stops.
    let res = app
        .api(
            Method::PATCH,
            &format!("/users/{ada}"),
            &other_token,
            Some(json!({"status": "disabled"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        problem(
            app.api(Method::GET, "/me", &reader, None).await,
            StatusCode::UNAUTHORIZED
        )
        .await,
        invalid_token("The token's account is disabled.")
    );
}

#[tokio::test]
async fn admins_tokens_create_read_change_and_delete_users_with_the_consoles_rules() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let token = app.with_token(&admin, &ALL_SCOPES, "30").await;
    let ada = app.user_id("ada@example.org").await;

    let res = app
        .api(
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
    let (details,): (String,) = query(
        "SELECT details FROM audit_events WHERE action = 'user.created' AND target_user_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["via"], "api");
    assert!(details["token_id"].is_i64());

    let res = app
        .api(
            Method::POST,
            "/users",
            &token,
            Some(json!({"email": "cy@example.org", "display_name": "Cy 2"})),
        )
        .await;
    let taken = "An account with this email already exists.";
    assert_eq!(
        problem(res, StatusCode::CONFLICT).await,
        json!({
            "type": "/api/docs#problem-conflict",
            "title": "Conflict",
            "status": 409,
            "detail": taken,
            "request_id": "<request-id>",
            "errors": [{"field": "email", "message": taken}],
        })
    );
    let res = app
        .api(
            Method::POST,
            "/users",
            &token,
            Some(json!({"email": "not-an-email", "display_name": "X"})),
        )
        .await;
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        validation_error(&[("email", "Enter an email address like name@example.com")])
    );
    let res = app
        .api(
            Method::POST,
            "/users",
            &token,
            Some(json!({"display_name": "X"})),
        )
        .await;
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        json!({
            "type": "/api/docs#problem-invalid-body",
            "title": "Invalid body",
            "status": 400,
            "detail": "Failed to deserialize the JSON body into the target type: missing \
                       field `email` at line 1 column 20",
            "request_id": "<request-id>",
        })
    );

    let res = app
        .api(Method::GET, &format!("/users/{id}"), &token, None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .api(
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
    let conflict = |field: &str, message: &str| {
        json!({
            "type": "/api/docs#problem-conflict",
            "title": "Conflict",
            "status": 409,
            "detail": message,
            "request_id": "<request-id>",
            "errors": [{"field": field, "message": message}],
        })
    };
    let res = app
        .api(
            Method::PATCH,
            &format!("/users/{ada}"),
            &token,
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(
        problem(res, StatusCode::CONFLICT).await,
        conflict("role", "You cannot demote or disable your own account.")
    );
    let res = app
        .api(Method::DELETE, &format!("/users/{ada}"), &token, None)
        .await;
    assert_eq!(
        problem(res, StatusCode::CONFLICT).await,
        conflict(
            "confirm",
            "You cannot delete your own account from here; use Settings, Account."
        )
    );

    let res = app
        .api(Method::DELETE, &format!("/users/{id}"), &token, None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let not_found = json!({
        "type": "/api/docs#problem-not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No such user.",
        "request_id": "<request-id>",
    });
    let res = app
        .api(Method::GET, &format!("/users/{id}"), &token, None)
        .await;
    assert_eq!(problem(res, StatusCode::NOT_FOUND).await, not_found);
    let res = app
        .api(Method::DELETE, &format!("/users/{id}"), &token, None)
        .await;
    assert_eq!(problem(res, StatusCode::NOT_FOUND).await, not_found);
    let res = app.api(Method::GET, "/users/abc", &token, None).await;
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        json!({
            "type": "/api/docs#problem-invalid-parameter",
            "title": "Invalid parameter",
            "status": 400,
            "detail": "Invalid URL: Cannot parse `abc` to a `i64`",
            "request_id": "<request-id>",
        })
    );
    let res = app.api(Method::PUT, "/users/1", &token, None).await;
    assert_eq!(res.headers()[header::ALLOW], "GET,HEAD,PATCH,DELETE");
    assert_eq!(
        problem(res, StatusCode::METHOD_NOT_ALLOWED).await,
        json!({
            "type": "/api/docs#problem-method-not-allowed",
            "title": "Method not allowed",
            "status": 405,
            "detail": "The route exists but not with this method.",
            "request_id": "<request-id>",
        })
    );
}

#[tokio::test]
async fn paging_returns_every_user_exactly_once_while_users_are_added() {
    let app = spawn_app().await;
    let admin = person(&app, "ada@example.org", true).await;
    let token = app.with_token(&admin, &["users_read"], "30").await;
    roster::store::seed::seed_users(&app.pool, 30, app.clock.now())
        .await
        .unwrap();
    let before: Vec<i64> = query("SELECT id FROM users ORDER BY id")
        .scalars(&app.pool)
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
        let page: Value = app
            .api(Method::GET, &path, &token, None)
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
    let page: Value = app
        .api(
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
    let admins: Value = app
        .api(Method::GET, "/users?role=admin", &token, None)
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
        let res = app.api(Method::GET, bad, &token, None).await;
        let body = problem(res, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["type"], "/api/docs#problem-invalid-parameter", "{bad}");
    }
}
