//! The user list: search, filters, sort, pages and totals, and a search index that follows
//! renames and deletions.

use super::{edit_form, update};
use crate::common::spawn_app;
use reqwest::StatusCode;
use roster::{server::clock::Clock, store::seed::seed_users};

#[tokio::test]
async fn the_user_list_searches_filters_sorts_and_pages_with_the_total() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    seed_users(&app.pool, 120, app.clock.now()).await.unwrap();
    let page = |query: &'static str| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let res = app
                .get(&format!("/admin/users{query}"), Some(&cookie))
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{query}");
            res.text().await.unwrap()
        }
    };

    let first = page("").await;
    assert!(first.contains("Showing 1–50 of 121 users"), "{first}");
    assert!(first.contains(r#"rel="next""#));
    let third = page("?page=3").await;
    assert!(third.contains("Showing 101–121 of 121 users"));
    assert!(!third.contains(r#"rel="next""#));
    let beyond = page("?page=99").await;
    assert!(
        beyond.contains("Page 3 of 3"),
        "a page past the end shows the last"
    );

    // Case-insensitive substring of the display name or the email.
    let search = page("?q=SEED-11%40").await;
    assert!(
        search.contains("of 1 users") || search.contains("Showing 1–1 of 1"),
        "{search}"
    );
    // Seeded names repeat every 400 users, so one of 120 is "Ada Brown" (seed-20).
    let names = page("?q=ada%20brown").await;
    assert!(names.contains("Showing 1–1 of 1 users"), "{names}");
    assert!(names.contains("Ada Brown 20") && !names.contains("seed-21@"));
    let admins = page("?role=admin").await;
    assert!(admins.contains("Showing 1–1 of 1 users"));
    let literal = page("?q=%25").await;
    assert!(literal.contains("No users match."), "% is taken literally");
    // seed-1, seed-10..19, seed-100..120; past the end of a filtered search, its last page.
    let filtered = page("?q=seed-1&role=user&page=9").await;
    assert!(filtered.contains("Showing 1–32 of 32 users"), "{filtered}");
    let searched = page("?q=seed-1&page=2").await;
    assert!(searched.contains("Showing 1–32 of 32 users"), "{searched}");

    let by_email = page("?sort=email&dir=asc").await;
    let a = by_email.find("root@example.org").unwrap();
    let b = by_email.find("seed-1@example.test").unwrap();
    assert!(a < b, "sorted by email");
    assert!(by_email.contains(r#"aria-sort="ascending""#));
}

#[tokio::test]
async fn search_follows_renames_and_deletions_and_ignores_query_syntax() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    app.sign_up("zoe@example.org", "Zoë Ångström").await;
    let zoe = app.user_id("zoe@example.org").await.to_string();
    let list = |q: &'static str| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            app.get(&format!("/admin/users?q={q}"), Some(&cookie))
                .await
                .text()
                .await
                .unwrap()
        }
    };

    assert!(
        list("%C3%A5NGstr").await.contains("Showing 1–1 of 1"),
        "Unicode case folding"
    );
    assert!(
        list("zo").await.contains("Showing 1–1 of 1"),
        "two letters: a scan"
    );
    assert!(
        list("%22%20OR%20%22").await.contains("No users match."),
        "quotes are literal"
    );
    update(&app, &cookie, &edit_form(&zoe, "user", "active")).await; // renamed to "Bob Edited"
    assert!(list("ngstr").await.contains("No users match."));
    assert!(list("edited").await.contains("Showing 1–1 of 1"));
    app.call(
        "admin_delete_user",
        &[("id", &zoe), ("confirm", "yes")],
        Some(&cookie),
    )
    .await;
    assert!(list("edited").await.contains("No users match."));
}
