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
