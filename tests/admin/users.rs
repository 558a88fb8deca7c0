//! One user's changes as an administrator makes them: each with its audit event (and a
//! refused one with none), disabling, signing out everywhere, resetting the password,
//! deleting, creating.

use super::{audit_rows, edit_form, update};
use crate::common::{location, session_cookie, spawn_app, PASSWORD};
use reqwest::{Method, StatusCode};
use roster::server::db::{query, Backend};

#[tokio::test]
async fn each_change_writes_one_audit_event_with_before_and_after_and_a_refused_one_none() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let root = app.user_id("root@example.org").await;
    app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await;
    let id = bob.to_string();

    let mut bad = edit_form(&id, "admin", "active");
    bad[1].1 = String::new(); // no display name
    let refused = update(&app, &cookie, &bad).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(audit_rows(&app, "user.updated").await.is_empty());
    let role: String = query("SELECT role FROM users WHERE id = $1")
        .bind(bob)
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "user", "a refused change changes nothing");

    let ok = update(&app, &cookie, &edit_form(&id, "admin", "active")).await;
    assert_eq!(ok.status(), StatusCode::OK);

    let rows = audit_rows(&app, "user.updated").await;
    assert_eq!(rows.len(), 1);
    let (actor, target, details) = &rows[0];
    assert_eq!((*actor, *target), (Some(root), Some(bob)));
    let details: serde_json::Value = serde_json::from_str(details).unwrap();
    assert_eq!(
        details["changes"]["role"],
        serde_json::json!(["user", "admin"])
    );
    assert_eq!(
        details["changes"]["display_name"],
        serde_json::json!(["Bob", "Bob Edited"])
    );
    assert!(
        details["changes"].get("bio").is_none(),
        "unchanged fields are not listed"
    );
}

#[tokio::test]
async fn disabling_ends_the_users_sessions_at_once_and_refuses_their_sign_in() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let bob_cookie = app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();

    let res = update(&app, &cookie, &edit_form(&bob, "user", "disabled")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let page = app.get("/profile", Some(&bob_cookie)).await;
    assert_eq!(
        page.status(),
        StatusCode::SEE_OTHER,
        "the open session died"
    );
    let login = app.log_in("bob@example.org", PASSWORD, None).await;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert_eq!(login.text().await.unwrap(), "\"AccountDisabled\"");
    let wrong = app
        .log_in("bob@example.org", "not the password", None)
        .await;
    assert_eq!(
        wrong.status(),
        StatusCode::UNAUTHORIZED,
        "nothing told without the password"
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let first = app.sign_up("bob@example.org", "Bob").await;
    let second = session_cookie(&app.log_in("bob@example.org", PASSWORD, None).await).unwrap();
    let bob = app.user_id("bob@example.org").await.to_string();

    let res = app
        .call("admin_sign_out_everywhere", &[("id", &bob)], Some(&cookie))
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    for c in [first, second] {
        assert_eq!(
            app.get("/profile", Some(&c)).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.get("/profile", Some(&cookie)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_password_shows_a_one_time_password_once_and_forces_a_new_one() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let bob_cookie = app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();

    let res = app
        .call("admin_reset_password", &[("id", &bob)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: serde_json::Value = app
        .call("admin_user", &[("id", &bob)], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let second: serde_json::Value = app
        .call("admin_user", &[("id", &bob)], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let one_time = first["one_time_password"]
        .as_str()
        .expect("shown once")
        .to_string();
    assert!(second["one_time_password"].is_null(), "and only once");
    let details = audit_rows(&app, "user.password_reset").await;
    assert_eq!(details.len(), 1);
    assert!(
        !details[0].2.contains(&one_time),
        "never in the audit trail"
    );

    assert_eq!(
        app.get("/profile", Some(&bob_cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.log_in("bob@example.org", PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app.log_in("bob@example.org", &one_time, None).await;
    assert_eq!(login.status(), StatusCode::OK);
    let bob_cookie = session_cookie(&login).unwrap();
    let profile = app.get("/profile", Some(&bob_cookie)).await;
    assert_eq!(
        location(&profile).as_deref(),
        Some("/settings/password?required=1")
    );

    let change = app
        .call(
            "change_password",
            &[
                ("current_password", &one_time),
                ("new_password", "my own new passphrase"),
            ],
            Some(&bob_cookie),
        )
        .await;
    assert_eq!(change.status(), StatusCode::OK);
    assert_eq!(
        app.get("/profile", Some(&bob_cookie)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn delete_needs_the_confirmation_then_removes_the_user_and_their_sessions() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let bob_cookie = app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();

    let unconfirmed = app
        .call(
            "admin_delete_user",
            &[("id", &bob), ("confirm", "")],
            Some(&cookie),
        )
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("users").await, 2);
    let confirmation = app
        .get(&format!("/admin/users/{bob}?confirm=delete"), Some(&cookie))
        .await;
    assert!(confirmation
        .text()
        .await
        .unwrap()
        .contains("Yes, delete user"));

    let res = app
        .call(
            "admin_delete_user",
            &[("id", &bob), ("confirm", "yes")],
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("profiles").await, 1);
    assert_eq!(
        app.get("/profile", Some(&bob_cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    let rows = audit_rows(&app, "user.deleted").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].2.contains("bob@example.org"));
}

#[tokio::test]
async fn admins_create_users_with_the_sign_up_rules() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;

    let weak = app
        .call(
            "admin_create_user",
            &[
                ("email", "new@example.org"),
                ("display_name", "New"),
                ("role", "user"),
                ("password", "password123456"),
            ],
            Some(&cookie),
        )
        .await;
    let taken = app
        .call(
            "admin_create_user",
            &[
                ("email", "ROOT@example.org"),
                ("display_name", "New"),
                ("role", "user"),
                ("password", "a long and unusual passphrase"),
            ],
            Some(&cookie),
        )
        .await;
    let ok = app
        .call(
            "admin_create_user",
            &[
                ("email", "new@example.org"),
                ("display_name", "New"),
                ("role", "admin"),
                ("password", "a long and unusual passphrase"),
            ],
            Some(&cookie),
        )
        .await;

    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, 2);
    let login = app
        .log_in("new@example.org", "a long and unusual passphrase", None)
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        audit_rows(&app, "user.created").await.len(),
        2,
        "the CLI's and this one"
    );
}

#[tokio::test]
async fn a_change_whose_audit_event_cannot_be_written_is_not_made() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();
    let refuse: &[&str] = match app.pool.backend() {
        Backend::Sqlite => &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
    };
    for sql in refuse {
        query(*sql).execute(&app.pool).await.unwrap();
    }

    let res = update(&app, &cookie, &edit_form(&bob, "admin", "disabled")).await;
    let delete = app
        .call(
            "admin_delete_user",
            &[("id", &bob), ("confirm", "yes")],
            Some(&cookie),
        )
        .await;

    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !res.text().await.unwrap().contains("audit refused"),
        "no internal text leaks"
    );
    assert_eq!(delete.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (name, role, status): (String, String, String) = query(
        "SELECT p.display_name, u.role, u.status FROM users u JOIN profiles p ON p.user_id = u.id \
         WHERE u.email = 'bob@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), role.as_str(), status.as_str()),
        ("Bob", "user", "active")
    );
}

/// A credential that outlives "Sign out everywhere" or "Reset password" would defeat them: both
/// revoke the person's personal access tokens too (issue 13).
#[tokio::test]
async fn sign_out_everywhere_and_reset_password_revoke_the_persons_tokens() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    for endpoint in ["admin_sign_out_everywhere", "admin_reset_password"] {
        let email = format!("{endpoint}@example.org");
        let bob_cookie = app.sign_up(&email, "Bob").await;
        let bob = app.user_id(&email).await.to_string();
        let token = app.with_token(&bob_cookie, &["profile_read"], "30").await;
        assert_eq!(
            app.api(Method::GET, "/me", &token, None).await.status(),
            StatusCode::OK
        );

        let res = app.call(endpoint, &[("id", &bob)], Some(&cookie)).await;

        assert_eq!(res.status(), StatusCode::OK, "{endpoint}");
        assert_eq!(
            app.api(Method::GET, "/me", &token, None).await.status(),
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
        let left: i64 = query("SELECT COUNT(*) FROM personal_access_tokens WHERE user_id = $1")
            .bind(bob.parse::<i64>().unwrap())
            .scalar(&app.pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "{endpoint}");
    }
    let page = app
        .get(
            &format!("/admin/users/{}", app.user_id("root@example.org").await),
            Some(&cookie),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("revokes their personal access tokens"),
        "the page says so"
    );
}

/// A change of role ends the person's sessions: they sign in again with the new role
/// (`shared/SECURITY.md`, Sessions: rotation on privilege change).
#[tokio::test]
async fn a_role_change_ends_the_persons_sessions() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let bob_cookie = app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();

    let res = update(&app, &cookie, &edit_form(&bob, "admin", "active")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let profile = app.get("/profile", Some(&bob_cookie)).await;
    assert_eq!(
        profile.status(),
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    let again = session_cookie(&app.log_in("bob@example.org", PASSWORD, None).await).unwrap();
    assert_eq!(
        app.get("/admin/users", Some(&again)).await.status(),
        StatusCode::OK
    );
}
