//! `/admin/clients`: administrators create clients (the secret shown once), rotate secrets,
//! disable (tokens stop at once) and delete them; nobody else may.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{location, spawn_app, TestApp};

async fn page(app: &TestApp, admin: &str) -> Value {
    app.call("admin_clients", &[], Some(admin))
        .await
        .json()
        .await
        .unwrap()
}

async fn create(app: &TestApp, admin: &str, kind: &str) -> reqwest::Response {
    app.call(
        "admin_create_client",
        &[
            ("name", "Dashboard"),
            (
                "redirect_uris",
                "https://dash.example.org/cb\r\nhttp://localhost:3001/cb",
            ),
            ("post_logout_redirect_uris", ""),
            ("client_type", kind),
            ("scopes[email]", "on"),
        ],
        Some(admin),
    )
    .await
}

#[tokio::test]
async fn administrators_manage_clients_and_a_disabled_one_stops_at_once() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    let user = app.sign_up("ann@example.org", "Ann").await;
    assert_eq!(
        create(&app, &user, "confidential").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("admin_clients", &[], Some(&user)).await.status(),
        StatusCode::FORBIDDEN
    );

    let res = app
        .call(
            "admin_create_client",
            &[
                ("name", ""),
                ("redirect_uris", "http://dash.example.org/cb"),
                ("client_type", "confidential"),
                ("id_token_alg", "none"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let errors = res.text().await.unwrap();
    assert!(
        errors.contains("name")
            && errors.contains("redirect_uris")
            && errors.contains("id_token_alg"),
        "{errors}"
    );
    assert_eq!(app.count("oauth_clients").await, 0);

    let res = create(&app, &admin, "confidential").await;
    let to = location(&res).unwrap();
    assert!(to.starts_with("/admin/clients?created="), "{to}");
    let shown = page(&app, &admin).await;
    let (client_id, secret) = (
        shown["new_secret"][0].as_str().unwrap().to_string(),
        shown["new_secret"][1].as_str().unwrap().to_string(),
    );
    assert!(secret.starts_with("roster_cs_"));
    assert_eq!(
        page(&app, &admin).await["new_secret"],
        Value::Null,
        "shown once"
    );
    let row = &shown["clients"][0];
    assert_eq!(row["scopes"], "openid email");
    assert_eq!(row["id_token_alg"], "RS256", "the default");
    assert_eq!(row["redirect_uris"][1], "http://localhost:3001/cb");
    let id = row["id"].as_i64().unwrap().to_string();
    let html = app
        .get("/admin/clients", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Dashboard") && html.contains("Rotate secret") && html.contains("New client")
    );

    // A token request proves the secret; rotating it stops the old one.
    let revoke = |secret: String| {
        app.client
            .post(app.url("/oauth/revoke"))
            .basic_auth(client_id.clone(), Some(secret))
            .form(&[("token", "x")])
            .send()
    };
    assert_eq!(
        revoke(secret.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    let res = app
        .call(
            "admin_change_client",
            &[("id", &id), ("change", "rotate")],
            Some(&admin),
        )
        .await;
    assert_eq!(
        location(&res).as_deref(),
        Some("/admin/clients?changed=rotate")
    );
    let rotated = page(&app, &admin).await["new_secret"][1]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        revoke(secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        revoke(rotated.clone()).await.unwrap().status(),
        StatusCode::OK
    );

    // Disabled: refused at the token endpoint and at the authorization endpoint.
    app.call(
        "admin_change_client",
        &[("id", &id), ("change", "disable")],
        Some(&admin),
    )
    .await;
    assert_eq!(
        revoke(rotated.clone()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let authorize = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fdash.example.org%2Fcb&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let res = app.get(&authorize, Some(&user)).await;
    assert!(location(&res).is_none());
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("This sign-in cannot go on"));
    app.call(
        "admin_change_client",
        &[("id", &id), ("change", "enable")],
        Some(&admin),
    )
    .await;
    assert_eq!(revoke(rotated).await.unwrap().status(), StatusCode::OK);

    // Delete asks first (a GET changes nothing), then removes it.
    let html = app
        .get(&format!("/admin/clients?delete={id}"), Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Delete Dashboard for good?"));
    assert_eq!(app.count("oauth_clients").await, 1);
    app.call(
        "admin_change_client",
        &[("id", &id), ("change", "delete")],
        Some(&admin),
    )
    .await;
    assert_eq!(app.count("oauth_clients").await, 0);
    let changes: i64 = roster::server::db::query(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'oidc.client_changed'",
    )
    .scalar(&app.pool)
    .await
    .unwrap();
    assert_eq!(changes, 4);
    // A public client has no secret to show or rotate.
    create(&app, &admin, "public").await;
    let shown = page(&app, &admin).await;
    assert_eq!(shown["new_secret"], Value::Null);
    assert_eq!(shown["clients"][0]["public"], true);
}
