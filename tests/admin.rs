//! The admin console over HTTP: who may call what, last-admin and self protection, audit
//! events written with their change, disabling, password reset, deletion, and the user list.

use crate::common::{location, session_cookie, spawn_app, TestApp, PASSWORD};
use reqwest::StatusCode;
use roster::{server::clock::Clock, store::seed::seed_users};

/// Creates an administrator through the command line's code path and signs them in.
async fn admin(app: &TestApp, email: &str) -> String {
    roster::admin::users::create_admin_from_cli(&app.state, email, "Ada Admin", PASSWORD, 0)
        .await
        .expect("admin created");
    let res = app.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    session_cookie(&res).unwrap()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<(Option<i64>, Option<i64>, String)> {
    sqlx::query_as(
        "SELECT actor_user_id, target_user_id, details FROM audit_events WHERE action = ? \
         ORDER BY id",
    )
    .bind(action)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn edit_form(id: &str, role: &str, status: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_string()),
        ("display_name", "Bob Edited".into()),
        ("bio", "".into()),
        ("location", "".into()),
        ("website", "".into()),
        ("role", role.into()),
        ("status", status.into()),
    ]
}

async fn update(app: &TestApp, cookie: &str, form: &[(&'static str, String)]) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("admin_update_user", &form, Some(cookie)).await
}

const LIST_QUERY: [(&str, &str); 4] = [
    ("query[q]", ""),
    ("query[sort]", "Created"),
    ("query[desc]", "true"),
    ("query[page]", "1"),
];

#[tokio::test]
async fn every_admin_function_and_page_needs_an_admin() {
    let app = spawn_app().await;
    let admin_cookie = admin(&app, "root@example.org").await;
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
    let cookie = admin(&app, "root@example.org").await;
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
    let role: String = sqlx::query_scalar("SELECT role || '/' || status FROM users")
        .fetch_one(&app.pool)
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
    let cookie = admin(&app, "root@example.org").await;
    let second_cookie = admin(&app, "second@example.org").await;
    let second = app.user_id("second@example.org").await.to_string();
    let list = app
        .call("admin_users", &LIST_QUERY, Some(&second_cookie))
        .await;
    assert_eq!(list.status(), StatusCode::OK);

    let res = update(&app, &cookie, &edit_form(&second, "user", "active")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(admins, 1);
    // The demoted admin's open session loses the console with its very next request.
    let list = app
        .call("admin_users", &LIST_QUERY, Some(&second_cookie))
        .await;
    assert_eq!(list.status(), StatusCode::FORBIDDEN);
    let page = app.get("/admin/users", Some(&second_cookie)).await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_change_writes_one_audit_event_with_before_and_after_and_a_refused_one_none() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
    let root = app.user_id("root@example.org").await;
    app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await;
    let id = bob.to_string();

    let mut bad = edit_form(&id, "admin", "active");
    bad[1].1 = String::new(); // no display name
    let refused = update(&app, &cookie, &bad).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(audit_rows(&app, "user.updated").await.is_empty());
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = ?")
        .bind(bob)
        .fetch_one(&app.pool)
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
    let cookie = admin(&app, "root@example.org").await;
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
    let cookie = admin(&app, "root@example.org").await;
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
    let cookie = admin(&app, "root@example.org").await;
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
    let cookie = admin(&app, "root@example.org").await;
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
    let cookie = admin(&app, "root@example.org").await;

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
async fn the_user_list_searches_filters_sorts_and_pages_with_the_total() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
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
    let names = page("?q=ada%20brown").await;
    assert!(names.contains("Ada Brown"));
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
async fn the_audit_page_lists_events_newest_first_with_filters() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
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
    let failed = all.find("login.failed").unwrap();
    let updated = all.find("user.updated").unwrap();
    assert!(failed < updated, "newest first");
    let by_action = audit("?action=user.updated".into()).await;
    assert!(by_action.contains("Showing 1–1 of 1 events"), "{by_action}");
    assert!(by_action.contains("disabled"), "the change is shown");
    let by_actor = audit("?actor=root%40example.org&target=bob%40example.org".into()).await;
    assert!(by_actor.contains("Showing 1–1 of 1 events"));
    let nobody = audit("?actor=nobody%40example.org".into()).await;
    assert!(nobody.contains("No events match."));
    let future = audit("?from=2999-01-01".into()).await;
    assert!(future.contains("No events match."));
}

#[tokio::test]
async fn exports_stream_the_filtered_list_as_csv_and_json_to_admins_only() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
    let bob = app
        .sign_up("bob@example.org", "=HYPERLINK(\"x\"), \"Bob\"")
        .await;
    seed_users(&app.pool, 120, app.clock.now()).await.unwrap();

    let csv = app
        .get("/admin/users/export.csv?q=bob", Some(&cookie))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("users.csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,email,display_name,role,status,created_at,last_login_at"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains(r#","'=HYPERLINK(""x""), ""Bob""","#),
        "quoted and neutralised: {}",
        lines[1]
    );

    let json = app
        .get("/admin/users/export.json?q=example.test", Some(&cookie))
        .await;
    let rows: Vec<serde_json::Value> = json.json().await.unwrap();
    assert_eq!(rows.len(), 120, "every page, not just the first 50");
    assert!(rows.iter().all(|r| r.get("password_hash").is_none()));

    let as_user = app.get("/admin/users/export.csv", Some(&bob)).await;
    assert_eq!(as_user.status(), StatusCode::FORBIDDEN);
    let anonymous = app.get("/admin/users/export.json", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_change_whose_audit_event_cannot_be_written_is_not_made() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
    app.sign_up("bob@example.org", "Bob").await;
    let bob = app.user_id("bob@example.org").await.to_string();
    sqlx::query(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
         BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
    )
    .execute(&app.pool)
    .await
    .unwrap();

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
    let (name, role, status): (String, String, String) = sqlx::query_as(
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

#[tokio::test]
async fn an_import_preview_reports_bad_rows_by_line_and_writes_nothing() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
    let csv = "email,display_name,role\n\
               ann@example.org,Ann,user\n\
               not-an-email,Bad,user\n\
               ROOT@example.org,Root Again,admin\n\
               \"lee@example.org\",\"Lee, Jr.\",admin\n\
               ann@example.org,Ann Twice,user\n\
               kim@example.org,Kim,root\n";
    let users_before = app.count("users").await;
    let events_before = app.count("audit_events").await;

    // Even "commit" imports nothing while any row is bad.
    let res = app
        .call(
            "admin_import_users",
            &[("csv", csv), ("commit", "yes")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("audit_events").await, events_before);

    let state: serde_json::Value = app
        .call("admin_import_report", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let report = &state["report"];
    assert!(report["imported"].is_null());
    let lines: Vec<u64> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4, 6, 7], "{report}");
    assert_eq!(report["ready"].as_array().unwrap().len(), 2);
    let page = app.get("/admin/users/import?report=1", Some(&cookie)).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Line 6: ann@example.org repeats line 2."),
        "{html}"
    );
    assert!(
        !html.contains(">Import<"),
        "no Import button while rows are bad"
    );
}

#[tokio::test]
async fn a_clean_import_creates_every_user_after_the_preview() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
    let csv = "ann@example.org,Ann\n\"lee@example.org\",\"Lee, Jr.\",admin\n";

    let preview = app
        .call("admin_import_users", &[("csv", csv)], Some(&cookie))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, 1, "a preview writes nothing");
    let html = app
        .get("/admin/users/import?report=1", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("2 user(s) ready"), "{html}");

    let import = app
        .call(
            "admin_import_users",
            &[("csv", csv), ("commit", "yes")],
            Some(&cookie),
        )
        .await;
    assert_eq!(import.status(), StatusCode::OK);
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email, p.display_name, u.role FROM users u JOIN profiles p ON p.user_id = u.id \
         WHERE u.email <> 'root@example.org' ORDER BY u.email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("ann@example.org".into(), "Ann".into(), "user".into()),
            ("lee@example.org".into(), "Lee, Jr.".into(), "admin".into()),
        ]
    );
    assert_eq!(audit_rows(&app, "user.created").await.len(), 3);
    // No password yet: nothing signs in, and the answer is the usual one.
    let login = app.log_in("ann@example.org", "", None).await;
    assert_eq!(login.status(), StatusCode::BAD_REQUEST);
    let login = app.log_in("ann@example.org", "!", None).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn search_follows_renames_and_deletions_and_ignores_query_syntax() {
    let app = spawn_app().await;
    let cookie = admin(&app, "root@example.org").await;
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

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_disabled_or_deleted_by_anyone() {
    let app = spawn_app().await;
    admin(&app, "root@example.org").await;
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
    let state: String = sqlx::query_scalar("SELECT role || '/' || status FROM users WHERE id = ?")
        .bind(root)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "admin/active");
}

#[tokio::test]
async fn a_user_can_never_set_their_own_role_or_status() {
    let app = spawn_app().await;
    let cookie = app.sign_up("bob@example.org", "Bob").await;

    let res = app
        .call(
            "update_profile",
            &[
                ("display_name", "Bob"),
                ("bio", ""),
                ("location", ""),
                ("website", ""),
                ("role", "admin"),
                ("status", "active"),
            ],
            Some(&cookie),
        )
        .await;

    assert!(res.status() == StatusCode::OK || res.status() == StatusCode::BAD_REQUEST);
    let role: String = sqlx::query_scalar("SELECT role FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "user");
}
