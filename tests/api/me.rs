//! `/me`: the token owner's own profile and settings, by the forms' rules.

use super::{person, validation_error};
use crate::common::{problem, spawn_app};
use reqwest::{header, Method, StatusCode};
use roster::server::db::query;
use serde_json::{json, Value};

#[tokio::test]
async fn get_and_patch_me_with_one_validation_and_one_audit_trail() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = app
        .with_token(&cookie, &["profile_read", "profile_write"], "30")
        .await;

    let res = app.api(Method::GET, "/me", &token, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["email"], "pat@example.org");
    assert_eq!(me["display_name"], "Pat Person");
    assert_eq!(me["role"], "user");

    let res = app
        .api(
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
    let (actor, details): (i64, String) =
        query("SELECT actor_user_id, details FROM audit_events WHERE action = 'profile.updated'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(actor, app.user_id("pat@example.org").await);
    assert_eq!(details["via"], "api");
    assert!(details["token_id"].as_i64().is_some());
    assert_eq!(details["changes"]["bio"], json!(["", "Hello"]));

    // The forms' rules, each field named.
    let res = app
        .api(
            Method::PATCH,
            "/me",
            &token,
            Some(json!({"website": "ftp://x.org", "display_name": "", "time_zone": "Mars/Base"})),
        )
        .await;
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        validation_error(&[
            ("display_name", "Enter a display name"),
            (
                "website",
                "Use an address starting with http:// or https://"
            ),
            ("time_zone", "Choose a time zone from the list"),
        ])
    );
    let me: Value = app
        .api(Method::GET, "/me", &token, None)
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
    let token = app.with_token(&cookie, &["profile_write"], "30").await;
    let send = |body: String, content_type: &'static str| {
        app.client
            .patch(app.url("/api/v1/me"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let expect = |slug: &str, title: &str, status: u16, detail: &str| {
        json!({
            "type": format!("/api/docs#problem-{slug}"),
            "title": title,
            "status": status,
            "detail": detail,
            "request_id": "<request-id>",
        })
    };

    let res = send(r#"{"bio":"x"}"#.into(), "text/plain").await.unwrap();
    assert_eq!(
        problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        expect(
            "unsupported-media-type",
            "Unsupported media type",
            415,
            "Send the body as JSON with `Content-Type: application/json`."
        )
    );
    let res = send(r#"{"bio": "#.into(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        expect(
            "malformed-json",
            "Malformed JSON",
            400,
            "Failed to parse the request body as JSON: bio: EOF while parsing a value at line 1 column 8"
        )
    );
    let res = send(r#"{"bio":"x","admin":true}"#.into(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        expect(
            "unknown-field",
            "Unknown field",
            400,
            "Failed to deserialize the JSON body into the target type: admin: unknown field \
             `admin`, expected one of `display_name`, `bio`, `location`, `website`, `theme`, \
             `time_zone` at line 1 column 18"
        )
    );
    let res = send(r#"{"bio":5}"#.into(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        expect(
            "invalid-body",
            "Invalid body",
            400,
            "Failed to deserialize the JSON body into the target type: bio: invalid type: \
             integer `5`, expected a string at line 1 column 8"
        )
    );
    let big = format!(r#"{{"bio":"{}"}}"#, "x".repeat(70 * 1024));
    let res = send(big, "application/json").await.unwrap();
    assert_eq!(
        problem(res, StatusCode::PAYLOAD_TOO_LARGE).await,
        expect(
            "payload-too-large",
            "Payload too large",
            413,
            "The body is over 64 KiB."
        )
    );
    let res = send(r#"{"bio":" padded "}"#.into(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        validation_error(&[("bio", "Remove the spaces at the start and end")])
    );
}
