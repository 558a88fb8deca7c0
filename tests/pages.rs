//! Server-rendered pages: statuses, labels and links people rely on.

mod common;

use common::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn unknown_route_is_a_404_page() {
    let app = spawn_app().await;

    let res = app.get("/no/such/page", None).await;

    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn home_page_offers_sign_in_and_sign_up() {
    let app = spawn_app().await;

    let res = app.get("/", None).await;

    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<a href="/login" class="button">Sign in</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/signup" class="button primary">Create account</a>"#));
}

#[tokio::test]
async fn forms_have_labelled_fields() {
    let app = spawn_app().await;

    let signup = app.get("/signup", None).await.text().await.unwrap();
    for (id, label) in [
        ("f-email", "Email"),
        ("f-display_name", "Display name"),
        ("f-password", "Password"),
    ] {
        assert!(
            signup.contains(&format!(r#"<label for="{id}">{label}</label>"#)),
            "{label}"
        );
    }
    let login = app
        .get("/login?next=%2Fsettings", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains(r#"<label for="f-remember">Remember me</label>"#));
    assert!(
        login.contains(r#"name="next" value="/settings""#),
        "{login}"
    );
}
