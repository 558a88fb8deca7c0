//! Sign-up, sign-in, sessions and sign-out over HTTP against the real router.

use crate::common::{
    location, session_cookie, set_cookie_header, sign_up_form, spawn_app, PASSWORD,
};
use reqwest::StatusCode;
use roster::server::db::query;

#[tokio::test]
async fn sign_up_creates_the_account_and_signs_in() {
    let app = spawn_app().await;

    let cookie = app.sign_up("ann@example.org", "Ann").await;

    let (email, hash): (String, String) = query("SELECT email, password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(email, "ann@example.org");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let page = app.get("/profile", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("value=\"Ann\""));
}

#[tokio::test]
async fn duplicate_email_is_refused_in_any_case() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let res = app
        .try_sign_up("  ANN@Example.ORG ", "Other Ann", PASSWORD)
        .await;

    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(session_cookie(&res).is_none());
    let body = res.text().await.unwrap();
    assert_eq!(
        body,
        r#"{"Conflict":{"field":"email","message":"An account with this email already exists. Sign in instead.","refusal":"AccountExists"}}"#
    );
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("profiles").await, 1);
}

#[tokio::test]
async fn sign_up_with_bad_fields_reports_each_and_creates_nothing() {
    let app = spawn_app().await;

    let res = app.try_sign_up("not-an-email", "", "short").await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(body.contains(r#""field":"email""#), "{body}");
    assert!(body.contains(r#""field":"display_name""#), "{body}");
    assert!(body.contains(r#""field":"password""#), "{body}");
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn login_with_right_credentials_starts_a_session() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let res = app.log_in("Ann@Example.org", PASSWORD, None).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/"));
    let cookie = session_cookie(&res).expect("login sets a session cookie");
    assert_eq!(
        app.get("/profile", Some(&cookie)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_response() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let wrong = app
        .log_in("ann@example.org", "not the password!", None)
        .await;
    let unknown = app
        .log_in("nobody@example.org", "not the password!", None)
        .await;

    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(&wrong).is_none());
    assert!(session_cookie(&unknown).is_none());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(wrong, r#""InvalidCredentials""#);
    assert_eq!(wrong, unknown);
}

/// `shared/SECURITY.md`, Login: the same work whether the account exists or not. Counted, not
/// timed: each attempt that is not throttled runs exactly one Argon2 verification, against
/// the account's hash or a dummy one.
#[tokio::test]
async fn an_unknown_email_costs_the_same_argon2_work_as_a_known_one() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let checks = || app.state.passwords().verified();
    let mut before = checks();
    for (email, password) in [
        ("ann@example.org", "not the password!"),
        ("nobody@example.org", "not the password!"),
        ("not an email at all", "not the password!"),
        ("ann@example.org", PASSWORD),
    ] {
        app.log_in(email, password, None).await;
        assert_eq!(checks(), before + 1, "{email}");
        before = checks();
    }
}

#[tokio::test]
async fn session_cookie_has_the_promised_attributes() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    let res = app.log_in("ann@example.org", PASSWORD, None).await;
    let header = set_cookie_header(&res).unwrap();
    let attrs: Vec<String> = header
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();

    assert!(header.starts_with("__Host-roster_session="), "{header}");
    for wanted in ["httponly", "secure", "samesite=lax", "path=/"] {
        assert!(
            attrs.iter().any(|a| a == wanted),
            "{wanted} missing: {header}"
        );
    }
    assert!(!attrs.iter().any(|a| a.starts_with("domain")), "{header}");
    // Session id: at least 128 bits of randomness, base64url (22+ characters).
    let id = header.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert!(id.len() >= 22, "{id}");
}

#[tokio::test]
async fn session_id_changes_at_login_and_the_old_one_dies() {
    let app = spawn_app().await;
    let before = app.sign_up("ann@example.org", "Ann").await;

    let res = app.log_in("ann@example.org", PASSWORD, Some(&before)).await;
    let after = session_cookie(&res).unwrap();

    assert_ne!(before, after);
    let old = app.get("/profile", Some(&before)).await;
    assert_eq!(old.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/profile", Some(&after)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_deletes_the_session_on_the_server() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    assert_eq!(app.count("tower_sessions").await, 1);

    let res = app.call("log_out", &[], Some(&cookie)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("tower_sessions").await, 0);
    // The browser is told to drop the cookie; a __Host- cookie is only accepted with Secure.
    let removal = set_cookie_header(&res).expect("logout removes the cookie");
    assert!(removal.starts_with("__Host-roster_session=;"), "{removal}");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert!(removal.contains("; Secure"), "{removal}");
    let replay = app.get("/profile", Some(&cookie)).await;
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replay).as_deref(), Some("/login?next=%2Fprofile"));
    let viewer = app.call("viewer", &[], Some(&cookie)).await;
    assert_eq!(viewer.text().await.unwrap(), "null");
}

#[tokio::test]
async fn signed_in_pages_send_visitors_to_login_with_next() {
    let app = spawn_app().await;

    for (path, next) in [
        ("/profile", "/login?next=%2Fprofile"),
        ("/settings", "/login?next=%2Fsettings"),
        ("/settings?x=1", "/login?next=%2Fsettings%3Fx%3D1"),
        ("/settings/password", "/login?next=%2Fsettings%2Fpassword"),
        ("/settings/sessions", "/login?next=%2Fsettings%2Fsessions"),
        ("/settings/account", "/login?next=%2Fsettings%2Faccount"),
    ] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res).as_deref(), Some(next), "{path}");
    }
}

#[tokio::test]
async fn login_returns_to_local_next_only() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    for (next, expected) in [
        ("/settings", "/settings"),
        ("/settings?tab=a", "/settings?tab=a"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ] {
        let res = app
            .call(
                "log_in",
                &[
                    ("email", "ann@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{next}");
        assert_eq!(location(&res).as_deref(), Some(expected), "{next}");
    }
}

#[tokio::test]
async fn plain_form_posts_redirect_with_results_and_errors() {
    let app = spawn_app().await;

    let bad = app
        .post_plain(
            "sign_up",
            &sign_up_form("nope", "Ann", PASSWORD),
            None,
            "/signup",
        )
        .await;
    assert_eq!(bad.status(), StatusCode::FOUND);
    let back = location(&bad).unwrap();
    assert!(back.starts_with(&app.url("/signup?")), "{back}");
    assert!(back.contains("__err="), "{back}");
    let page = app.client.get(&back).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Enter an email address like name@example.com"));

    let good = app
        .post_plain(
            "sign_up",
            &sign_up_form("ann@example.org", "Ann", PASSWORD),
            None,
            "/signup",
        )
        .await;
    assert_eq!(good.status(), StatusCode::FOUND);
    assert_eq!(location(&good).as_deref(), Some("/"));
    let cookie = session_cookie(&good).unwrap();
    let home = app.get("/", Some(&cookie)).await.text().await.unwrap();
    // `<!>` is Leptos' hydration marker between the two text nodes.
    assert!(home.contains("<h1>Welcome, <!>Ann</h1>"), "{home}");
}

/// POSTs `form` to a server function as a browser without JavaScript that sends no `Referer`
/// (referrers turned off: `Origin: null`, `Sec-Fetch-Site: same-origin`).
async fn post_without_referer(
    app: &crate::common::TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/fn/{endpoint}")))
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .header(reqwest::header::ORIGIN, "null")
        .header("sec-fetch-site", "same-origin")
        .form(form);
    if let Some(cookie) = cookie {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_form_posted_without_a_referer_comes_back_to_its_own_page_with_its_errors() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    // A wrong password: back to the sign-in page the form named, its `next` kept, the error
    // in the query — not the home page.
    let wrong = [
        ("email", "ann@example.org"),
        ("password", "not the password"),
        ("__page", "/login?next=%2Fsettings"),
    ];
    let res = post_without_referer(&app, "log_in", &wrong, None).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res).unwrap();
    assert!(back.starts_with("/login?next=%2Fsettings&"), "{back}");
    assert!(back.contains("__err="), "{back}");
    let page = app.get(&back, None).await.text().await.unwrap();
    assert!(page.contains("Email or password is incorrect"), "{page}");

    // A page off this site is never a target: Leptos' own default (`/`) applies.
    for page in [
        "//evil.example/login",
        "https://evil.example/login",
        "/\\evil.example",
    ] {
        let form = [
            ("email", "ann@example.org"),
            ("password", "x"),
            ("__page", page),
        ];
        let res = post_without_referer(&app, "log_in", &form, None).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{page}");
        assert_eq!(location(&res).as_deref(), Some("/"), "{page}");
    }

    // The field is not an argument of the server function: the change the form carries is
    // made, and a server function's own redirect (the confirmation) still applies.
    let cookie = app.sign_up("bob@example.org", "Bob").await;
    let form = [
        ("display_name", "Robert"),
        ("bio", ""),
        ("location", ""),
        ("website", ""),
        ("__page", "/profile"),
    ];
    let res = post_without_referer(&app, "update_profile", &form, Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res).as_deref(), Some("/profile?saved=1"));
    let robert: i64 = query("SELECT COUNT(*) FROM profiles WHERE display_name = 'Robert'")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(robert, 1);
}
