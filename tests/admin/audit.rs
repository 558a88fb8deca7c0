//! `/admin/audit`: events newest first, with filters by actor, action, target and dates.

use super::{edit_form, update};
use crate::common::spawn_app;
use reqwest::StatusCode;

/// The rows of the audit table: `(action, details)`, top to bottom (the table only, not the
/// filter's option list or the pager).
fn table_rows(html: &str) -> Vec<(String, String)> {
    let body = &html[html.find("<tbody>").expect("a table")..];
    let body = &body[..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let cell = |marker: &str| {
                let start = row.find(marker).unwrap() + marker.len();
                row[start..start + row[start..].find("</code>").unwrap()].to_string()
            };
            let details = cell(r#"<td class="details"><code>"#)
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            // The action's stable name is the row's first `<code>` (its label stands before it).
            (cell("<code>"), details)
        })
        .collect()
}

#[tokio::test]
async fn the_audit_page_lists_events_newest_first_with_filters() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();
    update(&app, &cookie, &edit_form(&bob, "user", "disabled")).await;
    app.log_in("bob@example.org", "wrong password!", None).await;
    let audit = |query: String| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let res = app
                .get(&format!("/admin/audit{query}"), Some(&cookie))
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            res.text().await.unwrap()
        }
    };

    let all = audit(String::new()).await;
    let actions: Vec<String> = table_rows(&all).into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        actions,
        [
            "login.failed",
            "user.updated",
            "account.created",
            "login.succeeded",
            "user.created"
        ],
        "newest first"
    );
    let by_action = audit("?action=user.updated".into()).await;
    assert!(by_action.contains("Showing 1–1 of 1 events"), "{by_action}");
    let rows = table_rows(&by_action);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].1.contains(r#""status":["active","disabled"]"#),
        "the change is shown: {}",
        rows[0].1
    );
    let by_actor = audit("?actor=root%40example.org&target=bob%40example.org".into()).await;
    assert!(by_actor.contains("Showing 1–1 of 1 events"));
    let nobody = audit("?actor=nobody%40example.org".into()).await;
    assert!(nobody.contains("No events match."));
    let future = audit("?from=2999-01-01".into()).await;
    assert!(future.contains("No events match."));
}
