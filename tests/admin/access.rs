//! Who may call what: every admin function and page needs an active administrator, an
//! administrator cannot demote, disable or delete themselves, one active administrator always
//! remains, and nobody sets their own role or status.

use super::{audit_rows, edit_form, update, LIST_QUERY};
use crate::common::{location, spawn_app, PASSWORD};
use reqwest::StatusCode;
use roster::server::db::query;

#[tokio::test]
async fn every_admin_function_and_page_needs_an_admin() {
    let app = spawn_app().await;
    let admin_cookie = app.with_admin("root@example.org").await;
    let user_cookie = app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();
    let carol = app.sign_up("carol@example.org", "Carol").await;
    drop(carol);
    let carol_id = app.user_id("carol@example.org").await.to_string();

    let edit = edit_form(&bob, "user", "active");
    let edit: Vec<(&str, &str)> = edit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let functions: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin_users", LIST_QUERY.to_vec()),
        (
            "admin_audit",
            vec![
                ("query[actor]", ""),
                ("query[action]", ""),
                ("query[target]", ""),
                ("query[from]", ""),
                ("query[to]", ""),
                ("query[page]", "1"),
            ],
        ),
        ("admin_user", vec![("id", bob.as_str())]),
        (
            "admin_create_user",
            vec![
                ("email", "new@example.org"),
                ("display_name", "New"),
                ("role", "user"),
                ("password", "a long and unusual passphrase"),
            ],
        ),
        ("admin_update_user", edit),
        ("admin_sign_out_everywhere", vec![("id", bob.as_str())]),
        ("admin_reset_password", vec![("id", bob.as_str())]),
        (
            "admin_delete_user",
            vec![("id", carol_id.as_str()), ("confirm", "yes")],
        ),
        ("admin_import_users", vec![("csv", "zed@example.org,Zed")]),
        ("admin_import_report", vec![]),
    ];
    for (name, form) in &functions {
        let anonymous = app.call(name, form, None).await;
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{name} anonymous"
        );
        let user = app.call(name, form, Some(&user_cookie)).await;
        assert_eq!(user.status(), StatusCode::FORBIDDEN, "{name} as a user");
    }
    assert_eq!(
        app.count("users").await,
        3,
        "nothing was created or deleted"
    );
    for (name, form) in &functions {
        let res = app.call(name, form, Some(&admin_cookie)).await;
        assert_eq!(res.status(), StatusCode::OK, "{name} as an admin");
    }

    let pages = [
        "/admin/users",
        "/admin/users/new",
        &format!("/admin/users/{bob}"),
    ];
    let user_cookie = app.log_in("bob@example.org", PASSWORD, None).await;
    // Bob's password was reset above: he is sent to choose a new one first.
    assert_eq!(user_cookie.status(), StatusCode::UNAUTHORIZED);
    let dave = app.sign_up("dave@example.org", "Dave").await;
    for page in pages {
        let anonymous = app.get(page, None).await;
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(location(&anonymous).unwrap().starts_with("/login?next="));
        let user = app.get(page, Some(&dave)).await;
        assert_eq!(user.status(), StatusCode::FORBIDDEN, "{page} as a user");
        let admin = app.get(page, Some(&admin_cookie)).await;
        assert_eq!(admin.status(), StatusCode::OK, "{page} as an admin");
    }
}

#[tokio::test]
async fn an_admin_cannot_demote_disable_or_delete_their_own_account() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let me = app.user_id("root@example.org").await.to_string();

    let demote = update(&app, &cookie, &edit_form(&me, "user", "active")).await;
    let disable = update(&app, &cookie, &edit_form(&me, "admin", "disabled")).await;
    let delete = app
        .call(
            "admin_delete_user",
            &[("id", &me), ("confirm", "yes")],
            Some(&cookie),
        )
        .await;

    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert_eq!(disable.status(), StatusCode::CONFLICT);
    assert_eq!(delete.status(), StatusCode::CONFLICT);
    let role: String = query("SELECT role || '/' || status FROM users")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "admin/active");
    assert!(
        audit_rows(&app, "user.updated").await.is_empty(),
        "no audit row without a change"
    );
}

#[tokio::test]
async fn another_admin_can_be_demoted_while_one_active_admin_remains() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let second_cookie = app.with_admin("second@example.org").await;
    let second = app.user_id("second@example.org").await.to_string();
    let list = app
        .call("admin_users", &LIST_QUERY, Some(&second_cookie))
        .await;
    assert_eq!(list.status(), StatusCode::OK);

    let res = update(&app, &cookie, &edit_form(&second, "user", "active")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let admins: i64 = query("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(admins, 1);
    // A role change ends the person's sessions (rotation on privilege change): the demoted
    // admin's open session loses the console, and everything else, with its very next request.
    let list = app
        .call("admin_users", &LIST_QUERY, Some(&second_cookie))
        .await;
    assert_eq!(list.status(), StatusCode::UNAUTHORIZED);
    let page = app.get("/admin/users", Some(&second_cookie)).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    // Signed in again, with the new role: the console is refused.
    let again = crate::common::session_cookie(
        &app.log_in("second@example.org", crate::common::PASSWORD, None)
            .await,
    )
    .unwrap();
    let list = app.call("admin_users", &LIST_QUERY, Some(&again)).await;
    assert_eq!(list.status(), StatusCode::FORBIDDEN);
    let page = app.get("/admin/users", Some(&again)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_disabled_or_deleted_by_anyone() {
    let app = spawn_app().await;
    app.with_admin("root@example.org").await;
    let root = app.user_id("root@example.org").await;
    // Whoever acts (here the operator at the command line, who holds every right), the one
    // active administrator stays.
    let form = |role: &str, status: &str| roster::admin::UserEditForm {
        id: root,
        display_name: "Ada Admin".into(),
        role: role.into(),
        status: status.into(),
        ..Default::default()
    };
    let ctx = roster::request::RequestContext::cli();
    let operator = roster::auth::Admin::operator();
    for (role, status) in [("user", "active"), ("admin", "disabled")] {
        let edit = form(role, status).parse().unwrap();
        let refused =
            roster::admin::users::update(&app.state, &operator, root, &edit, &ctx, 0).await;
        assert!(
            matches!(refused, Err(roster::error::AppError::Conflict { .. })),
            "{role}/{status}: {refused:?}"
        );
    }
    let deleted = roster::admin::users::delete(&app.state, &operator, root, &ctx, 0).await;
    assert!(matches!(
        deleted,
        Err(roster::error::AppError::Conflict { .. })
    ));
    let state: String = query("SELECT role || '/' || status FROM users WHERE id = $1")
        .bind(root)
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "admin/active");
}

#[tokio::test]
async fn a_user_can_never_set_their_own_role_or_status() {
    let app = spawn_app().await;
    let cookie = app.sign_up("bob@example.org", "Bob").await;
    let stored = || async {
        query("SELECT role || '/' || status FROM users")
            .scalar::<String>(&app.pool)
            .await
            .unwrap()
    };

    // Extra fields are not arguments of the person's own forms: they are ignored, and the
    // change the form does make goes through.
    let res = app
        .call(
            "update_profile",
            &[
                ("display_name", "Bob B"),
                ("bio", ""),
                ("location", ""),
                ("website", ""),
                ("role", "admin"),
                ("status", "disabled"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            "update_settings",
            &[
                ("theme", "dark"),
                ("time_zone", "UTC"),
                ("role", "admin"),
                ("status", "disabled"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.display_name().await, "Bob B");
    assert_eq!(stored().await, "user/active");
    // The console's function refuses a non-administrator outright.
    let bob = app.user_id("bob@example.org").await.to_string();
    let res = update(&app, &cookie, &edit_form(&bob, "admin", "active")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored().await, "user/active");
}
