//! Server-rendered pages: statuses, labels and links people rely on.

use crate::common::spawn_app;
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

    let cookie = app.sign_up("ann@example.org", "Ann").await;
    for (path, labels) in [
        (
            "/settings/password",
            &["Current password", "New password"][..],
        ),
        ("/settings/account", &["Password"][..]),
    ] {
        let html = app.get(path, Some(&cookie)).await.text().await.unwrap();
        for label in labels {
            assert!(
                html.contains(&format!(">{label}</label>")),
                "{path}: {label}"
            );
        }
    }
}

/// Listing the routes renders the app in a special mode; when a router was built on one
/// thread while another thread's app rendered a page (as `#[tokio::test]`s in one process
/// do, each on its own thread and runtime), that render could stall for good. The list is now
/// made once per process; this builds and serves apps on several threads at once.
#[test]
fn apps_on_several_threads_never_stall_page_renders() {
    for _round in 0..8 {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        let app = spawn_app().await;
                        for path in ["/signup", "/login", "/"] {
                            let res = tokio::time::timeout(
                                std::time::Duration::from_secs(10),
                                app.get(path, None),
                            )
                            .await
                            .expect("page render stalled");
                            assert_eq!(res.status(), StatusCode::OK);
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no thread stalled or failed");
        }
    }
}

/// The script nonce of a page: the one in its policy, after checking every `nonce="..."` in
/// the body is that one.
fn page_nonce(res_headers: &reqwest::header::HeaderMap, body: &str) -> String {
    let csp = res_headers["content-security-policy"].to_str().unwrap();
    let start = csp.find("'nonce-").expect("policy has a nonce") + "'nonce-".len();
    let nonce = &csp[start..start + csp[start..].find('\'').unwrap()];
    let in_body: Vec<&str> = body
        .split("nonce=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(!in_body.is_empty(), "{body}");
    assert!(
        in_body.iter().all(|n| *n == nonce),
        "{in_body:?} vs {nonce}"
    );
    nonce.to_string()
}

#[tokio::test]
async fn signed_out_pages_come_from_the_cache_with_a_fresh_nonce_each_time() {
    let app = spawn_app().await;
    assert!(!app.state.pages().contains("/login", "en"));

    let mut seen = Vec::new();
    for _ in 0..3 {
        let res = app.get("/login", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        let nonce = page_nonce(&headers, &body);
        seen.push((nonce.clone(), body.replace(&nonce, "NONCE")));
    }
    assert!(app.state.pages().contains("/login", "en"));
    // Rendered once, then served from memory: the same page, never the same nonce.
    assert_ne!(seen[0].0, seen[1].0);
    assert_ne!(seen[1].0, seen[2].0);
    assert_eq!(seen[0].1, seen[1].1);
    assert_eq!(seen[1].1, seen[2].1);
    assert!(seen[0].1.contains("<h1>Sign in</h1>"));
}

#[tokio::test]
async fn the_cache_never_answers_a_signed_in_visitor_or_a_query() {
    let app = spawn_app().await;
    let normalised = |res: reqwest::Response| async move {
        let headers = res.headers().clone();
        let body = res.text().await.unwrap();
        let nonce = page_nonce(&headers, &body);
        body.replace(&nonce, "NONCE")
    };
    let anonymous = normalised(app.get("/", None).await).await;
    assert!(anonymous.contains("Create account"));
    assert!(app.state.pages().contains("/", "en"));

    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let home = app.get("/", Some(&cookie)).await.text().await.unwrap();
    assert!(home.contains("<h1>Welcome, "), "{home}");
    assert!(home.contains(r#"<span class="who">Ann</span>"#));
    assert!(!home.contains("Create account"));
    // Nor does a signed-in page end up in the cache for the next signed-out visitor.
    let again = app.get("/", None).await.text().await.unwrap();
    assert!(!again.contains("Ann"));

    app.get("/login", None).await;
    let with_next = app.get("/login?next=%2Fsettings", None).await;
    let html = with_next.text().await.unwrap();
    assert!(html.contains(r#"name="next" value="/settings""#), "{html}");
    let after = app.get("/login", None).await.text().await.unwrap();
    assert!(after.contains(r#"name="next" value="""#), "{after}");
    // The signed-out start page is still the one first kept, byte for byte but the nonce.
    assert_eq!(normalised(app.get("/", None).await).await, anonymous);
}

/// The top-level `public/` folder is served as it is: the favicon the pages link, and
/// `robots.txt` (UI.md, the project's layout).
#[tokio::test]
async fn the_public_folder_is_served_as_it_is() {
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/public");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("roster")
        .site_root(public)
        .build();
    let app = crate::common::spawn_app_serving(|_| {}, options).await;

    let robots = app.get("/robots.txt", None).await;
    assert_eq!(robots.status(), StatusCode::OK);
    assert!(robots.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = robots.text().await.unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(format!("{public}/robots.txt")).unwrap()
    );
    assert!(text.contains("Disallow: /"), "{text}");

    let icon = app.get("/favicon.ico", None).await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(
        icon.bytes().await.unwrap().to_vec(),
        std::fs::read(format!("{public}/favicon.ico")).unwrap()
    );
    let page = app.get("/", None).await.text().await.unwrap();
    assert!(
        page.contains(r#"<link rel="icon" href="/favicon.ico""#),
        "{page}"
    );
}

/// The anonymous cache decides "signed out" with the session layer's own cookie parse: every
/// spelling of the session cookie that the session layer takes for a live session (a space
/// before `=`, a percent-encoded name, a non-ASCII cookie beside it) keeps the page out of the
/// cache, so right after a start no signed-in page can be kept for every visitor (issue 13).
#[tokio::test]
async fn no_spelling_of_the_session_cookie_puts_a_signed_in_page_in_the_cache() {
    for spelling in [
        "__Host-roster_session =ID",
        "__Host-roster%5Fsession=ID",
        "note=\u{e9}t\u{e9}; __Host-roster_session=ID",
    ] {
        let app = spawn_app().await;
        let cookie = app.sign_up("ann@example.org", "Ann Secret").await;
        let id = cookie.split_once('=').unwrap().1;
        let header = spelling.replace("ID", id);
        let res = app
            .client
            .get(app.url("/"))
            .header(
                reqwest::header::COOKIE,
                reqwest::header::HeaderValue::from_bytes(header.as_bytes()).unwrap(),
            )
            .send()
            .await
            .unwrap();
        let page = res.text().await.unwrap();
        assert!(
            page.contains("Ann Secret"),
            "{spelling}: the session layer took it for a live session"
        );
        assert!(!app.state.pages().contains("/", "en"), "{spelling}: kept");
        let anonymous = app.get("/", None).await.text().await.unwrap();
        assert!(
            !anonymous.contains("Ann Secret"),
            "{spelling}: served to all"
        );
    }
}

/// A page whose data fails to load answers with the error's status (not 200), says so in words
/// with the request id, and shows nothing of the database's own text.
#[tokio::test]
async fn a_page_whose_data_fails_to_load_answers_500_with_the_request_id() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    roster::server::db::query("DROP TABLE personal_access_tokens")
        .execute(&app.pool)
        .await
        .unwrap();

    let res = app.get("/settings/tokens", Some(&cookie)).await;

    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Something went wrong on our side (request id "),
        "{html}"
    );
    assert!(html.contains("Go to the start page"), "{html}");
    assert!(
        !html.to_lowercase().contains("personal_access_tokens"),
        "{html}"
    );
    // The rest of the site goes on.
    let res = app.get("/profile", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
}
