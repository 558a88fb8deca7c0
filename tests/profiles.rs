//! Profile and settings over HTTP: persistence, ownership, validation, hostile input.

use crate::common::{location, spawn_app};
use reqwest::{header, StatusCode};
use roster::server::db::query;

fn profile_form<'a>(name: &'a str, bio: &'a str, website: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("display_name", name),
        ("bio", bio),
        ("location", "Lisbon"),
        ("website", website),
    ]
}

#[tokio::test]
async fn profile_update_persists() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let res = app
        .call(
            "update_profile",
            &profile_form(" Ann Lee ", "Hello\r\nthere", "https://Example.org"),
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/profile?saved=1"));
    let row: (String, String, String, String) =
        query("SELECT display_name, bio, location, website FROM profiles")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            "Ann Lee".to_string(),
            "Hello\nthere".to_string(),
            "Lisbon".to_string(),
            "https://example.org/".to_string()
        )
    );
    let page = app
        .get("/profile?saved=1", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Profile saved"));
    assert!(page.contains("value=\"Ann Lee\""));
}

#[tokio::test]
async fn one_user_cannot_change_another_users_profile() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let bob = app.sign_up("bob@example.org", "Bob").await;
    let ann_id = app.user_id("ann@example.org").await.to_string();

    // Bob tries to aim his update at Ann's id: extra fields are not arguments, so they cannot
    // choose the target, which always comes from the session.
    let mut form = profile_form("Hacked", "", "");
    form.push(("user_id", &ann_id));
    let res = app.call("update_profile", &form, Some(&bob)).await;

    assert_eq!(res.status(), StatusCode::OK);
    let names: Vec<(i64, String)> =
        query("SELECT user_id, display_name FROM profiles ORDER BY user_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(names[0].1, "Ann");
    assert_eq!(names[1].1, "Hacked");
}

#[tokio::test]
async fn profile_functions_need_a_signed_in_caller() {
    let app = spawn_app().await;

    let update = app
        .call("update_profile", &profile_form("X", "", ""), None)
        .await;
    assert_eq!(update.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(update.text().await.unwrap(), r#""Unauthorized""#);
    let read = app.call("profile", &[], None).await;
    assert_eq!(read.status(), StatusCode::UNAUTHORIZED);
    let settings = app
        .call(
            "update_settings",
            &[("theme", "dark"), ("time_zone", "UTC")],
            None,
        )
        .await;
    assert_eq!(settings.status(), StatusCode::UNAUTHORIZED);
    let read_settings = app.call("settings", &[], None).await;
    assert_eq!(read_settings.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(read_settings.text().await.unwrap(), r#""Unauthorized""#);
}

#[tokio::test]
async fn invalid_profile_fields_are_reported_and_nothing_changes() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let long_bio = "b".repeat(1001);

    let res = app
        .call(
            "update_profile",
            &profile_form("", &long_bio, "javascript:alert(1)"),
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert_eq!(
        body,
        concat!(
            r#"{"Validation":[{"field":"display_name","message":"Enter a display name","refusal":"DisplayNameMissing"},"#,
            r#"{"field":"bio","message":"Use at most 1000 characters (1001 now)","refusal":{"TooLongNow":{"max":1000,"now":1001}}},"#,
            r#"{"field":"website","message":"Use an address starting with http:// or https://","refusal":"WebsiteScheme"}]}"#
        )
    );
    assert_eq!(app.display_name().await, "Ann");
}

#[tokio::test]
async fn malformed_requests_get_400_never_500() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let url = app.url("/fn/update_profile");

    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "application/x-www-form-urlencoded",
            b"display_name=Ann".to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"%%%%&&==".to_vec()),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, 0x00, 0x3d],
        ),
        ("application/json", b"{\"display_name\": 5".to_vec()),
        ("application/x-www-form-urlencoded", b"".to_vec()),
    ];
    for (content_type, body) in bodies {
        let res = app
            .client
            .post(&url)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, &cookie)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::BAD_REQUEST,
            "{content_type} {:?}",
            String::from_utf8_lossy(&body)
        );
        let text = res.text().await.unwrap();
        assert_eq!(text, r#""BadRequest""#);
    }
    assert_eq!(app.display_name().await, "Ann");
}

#[tokio::test]
async fn settings_persist_and_the_theme_applies_to_every_page() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let res = app
        .call(
            "update_settings",
            &[("theme", "dark"), ("time_zone", "Asia/Tokyo")],
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/settings?saved=1"));
    for page in ["/", "/profile", "/settings", "/no-such-page"] {
        let html = app.get(page, Some(&cookie)).await.text().await.unwrap();
        assert!(html.contains(r#"data-theme="dark""#), "{page}");
    }
    let settings = app
        .get("/settings", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains(r#"<option value="Asia/Tokyo" selected"#));
    assert!(
        settings.contains("JST"),
        "local time shown in the chosen zone"
    );
}

#[tokio::test]
async fn unknown_theme_or_time_zone_is_refused() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let res = app
        .call(
            "update_settings",
            &[("theme", "neon"), ("time_zone", "Mars/Olympus_Mons")],
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text().await.unwrap(),
        concat!(
            r#"{"Validation":[{"field":"theme","message":"Choose System, Light or Dark","refusal":"ChooseTheme"},"#,
            r#"{"field":"time_zone","message":"Choose a time zone from the list","refusal":"ChooseTimeZone"}]}"#
        )
    );
    let (theme, tz): (String, String) = query("SELECT theme, time_zone FROM profiles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!((theme.as_str(), tz.as_str()), ("system", "UTC"));
}
