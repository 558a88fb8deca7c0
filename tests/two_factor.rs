//! Two-factor sign-in (`shared/SECURITY.md`, Login; Keys and secrets at rest): an authenticator
//! app's codes (accepted once, one step either side, throttled), recovery codes (once each),
//! the half-signed-in state (no session, five minutes, this browser only), removing factors,
//! an administrator's reset, the required-for-administrators policy, the data key file, and
//! the passkey endpoints' refusals.

use reqwest::StatusCode;
use roster::{
    auth::factors::{code_at, step_of, DIGITS, STEP_SECONDS},
    server::db::query,
};
use serde_json::Value;

use crate::common::{location, session_cookie, spawn_app, spawn_app_with, TestApp, PASSWORD};

/// `/settings/security`'s data for `cookie`.
async fn security(app: &TestApp, cookie: &str) -> Value {
    let res = app.call("security", &[], Some(cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The seed behind the page's "Secret key" text, as an authenticator app reads it.
fn seed_of(page: &Value) -> Vec<u8> {
    let text = page["setup"]["secret"]
        .as_str()
        .expect("an app being set up");
    totp_rs::Secret::Encoded(text.replace(' ', ""))
        .to_bytes()
        .expect("base32")
}

/// The app's code `offset` steps from now.
fn code(app: &TestApp, seed: &[u8], offset: i64) -> String {
    code_at(seed, step_of(app.state.now()) + offset, DIGITS)
}

/// Signs `email` up, sets up and turns on an authenticator app as a person does (scanning the
/// "Secret key"); returns the session cookie, the seed and the recovery codes shown once. The
/// clock then moves on a step, so the code used to turn it on is not the current one.
async fn with_app_on(app: &TestApp, email: &str) -> (String, Vec<u8>, Vec<String>) {
    let cookie = app.sign_up(email, "Ann").await;
    let res = app.call("set_up_totp", &[], Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let seed = seed_of(&security(app, &cookie).await);
    let res = app
        .call(
            "turn_on_totp",
            &[("code", &code(app, &seed, 0))],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let page = security(app, &cookie).await;
    assert_eq!(page["totp"], true);
    let codes: Vec<String> = page["new_codes"]
        .as_array()
        .expect("recovery codes shown once")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        security(app, &cookie).await["new_codes"],
        Value::Null,
        "once"
    );
    app.clock.advance(STEP_SECONDS);
    (cookie, seed, codes)
}

/// Signs in with the password: returns the half-signed-in cookie (the answer sends the browser
/// to `/login/verify`).
async fn half_signed_in(app: &TestApp, email: &str) -> String {
    let res = app.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/login/verify"));
    session_cookie(&res).expect("the half-signed-in state is bound to this browser")
}

async fn verify(app: &TestApp, cookie: &str, field: &str, value: &str) -> reqwest::Response {
    app.call("verify_second_factor", &[(field, value)], Some(cookie))
        .await
}

async fn signed_in_as(app: &TestApp, cookie: &str) -> Value {
    app.call("viewer", &[], Some(cookie))
        .await
        .json()
        .await
        .unwrap()
}

async fn field_error(res: reqwest::Response, field: &str) -> String {
    let body: Value = res.json().await.unwrap();
    let errors = body["Validation"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error at {field}: {body}"))
        .to_string()
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    query("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .scalar(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_requires_the_code_and_no_session_exists_before_it() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let sessions_before = app.count("user_sessions").await;
    let half = half_signed_in(&app, "ann@example.org").await;
    assert_eq!(
        app.count("user_sessions").await,
        sessions_before,
        "no session yet"
    );
    assert_eq!(signed_in_as(&app, &half).await, Value::Null);
    let res = app.get("/settings", Some(&half)).await;
    assert_eq!(location(&res).as_deref(), Some("/login?next=%2Fsettings"));
    let page = app
        .get("/login/verify", Some(&half))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Authentication code") && page.contains("Use a recovery code"));

    let res = verify(&app, &half, "code", &code(&app, &seed, 0)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/"));
    let cookie = session_cookie(&res).expect("a new session id");
    assert_ne!(cookie, half, "the id changes at sign-in");
    assert_eq!(signed_in_as(&app, &cookie).await["display_name"], "Ann");
    assert_eq!(
        signed_in_as(&app, &half).await,
        Value::Null,
        "the old id is dead"
    );
    let details: String = query(
        "SELECT details FROM audit_events WHERE action = 'login.succeeded' ORDER BY id DESC LIMIT 1",
    )
    .scalar(&app.pool)
    .await
    .unwrap();
    assert!(details.contains("\"second_factor\":\"totp\""), "{details}");
}

#[tokio::test]
async fn replayed_stale_and_wrong_codes_are_refused() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let half = half_signed_in(&app, "ann@example.org").await;
    // The code that turned the app on (last step) was used: refused although within the skew.
    let used = code(&app, &seed, -1);
    let res = verify(&app, &half, "code", &used).await;
    assert!(field_error(res, "code").await.contains("used already"));
    for stale in [code(&app, &seed, -3), code(&app, &seed, 3)] {
        if stale == code(&app, &seed, 0) || stale == code(&app, &seed, 1) {
            continue; // a one-in-a-million collision with a valid code
        }
        let res = verify(&app, &half, "code", &stale).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    let wrong = if code(&app, &seed, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let res = verify(&app, &half, "code", wrong).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(audit_count(&app, "login.second_factor_failed").await, 4);
    // One step either side of now is accepted (a clock that drifts), once.
    let next = code(&app, &seed, 1);
    let res = verify(&app, &half, "code", &next).await;
    assert_eq!(res.status(), StatusCode::OK);
    let again = half_signed_in(&app, "ann@example.org").await;
    let res = verify(&app, &again, "code", &next).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a code works once");
}

#[tokio::test]
async fn the_same_code_sent_at_once_opens_one_session() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let half = half_signed_in(&app, "ann@example.org").await;
    let now = code(&app, &seed, 0);
    let before = app.count("user_sessions").await;
    let tries = (0..12).map(|_| verify(&app, &half, "code", &now));
    let answers = futures_util::future::join_all(tries).await;
    let ok = answers
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "exactly one request gets through");
    assert_eq!(app.count("user_sessions").await, before + 1);
}

#[tokio::test]
async fn a_recovery_code_works_once_and_is_told_by_mail() {
    let app = spawn_app().await;
    let (_, _, codes) = with_app_on(&app, "ann@example.org").await;
    assert_eq!(codes.len(), 10);
    let stored: Vec<Vec<u8>> = query("SELECT code_hash FROM recovery_codes")
        .scalars(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(stored.iter().all(|h| h != code.as_bytes()), "hashed only");
    }
    let half = half_signed_in(&app, "ann@example.org").await;
    let page = app
        .get("/login/verify?recovery=1", Some(&half))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Recovery code"));
    // Typed in capitals with spaces, as people copy them.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let res = verify(&app, &half, "recovery_code", &typed).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(audit_count(&app, "recovery_code.used").await, 1);
    let notice = app.wait_mail("ann@example.org", "second_factor").await;
    assert!(
        notice.body_text.contains("recovery code was used"),
        "{}",
        notice.body_text
    );
    assert!(notice.body_text.contains("9 unused codes"));

    let again = half_signed_in(&app, "ann@example.org").await;
    let res = verify(&app, &again, "recovery_code", &codes[3]).await;
    assert!(field_error(res, "recovery_code")
        .await
        .contains("used already"));
    let res = verify(&app, &again, "recovery_code", &codes[4]).await;
    assert_eq!(res.status(), StatusCode::OK, "another code still works");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords_and_end_the_attempt() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let wrong = if code(&app, &seed, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let half = half_signed_in(&app, "ann@example.org").await;
    for _ in 0..4 {
        let res = verify(&app, &half, "code", wrong).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    // The fifth wrong code ends this half-signed-in state: the password again.
    let res = verify(&app, &half, "code", wrong).await;
    assert!(field_error(res, "code").await.contains("Sign in again"));
    let res = verify(&app, &half, "code", &code(&app, &seed, 0)).await;
    assert!(field_error(res, "code").await.contains("Sign in again"));
    // The account's wrong codes are counted apart from its passwords: a correct password
    // does not clear them, so the next attempt waits.
    let half = half_signed_in(&app, "ann@example.org").await;
    let res = verify(&app, &half, "code", wrong).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn the_half_signed_in_state_lasts_five_minutes_and_needs_its_browser() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let half = half_signed_in(&app, "ann@example.org").await;
    // Another browser (no cookie, or a signed-out one) has no such state.
    let other = app.get("/login", None).await;
    let res = app
        .call(
            "verify_second_factor",
            &[("code", &code(&app, &seed, 0))],
            None,
        )
        .await;
    assert!(field_error(res, "code").await.contains("Sign in again"));
    drop(other);
    app.clock.advance(301);
    let res = verify(&app, &half, "code", &code(&app, &seed, 0)).await;
    assert!(field_error(res, "code").await.contains("Sign in again"));
    let page = app
        .get("/login/verify", Some(&half))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("This sign-in has expired"));
}

#[tokio::test]
async fn a_password_change_or_disabling_meanwhile_ends_the_attempt() {
    let app = spawn_app().await;
    let (cookie, seed, _) = with_app_on(&app, "ann@example.org").await;
    let half = half_signed_in(&app, "ann@example.org").await;
    let res = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a different long passphrase 42"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = verify(&app, &half, "code", &code(&app, &seed, 0)).await;
    assert!(field_error(res, "code").await.contains("Sign in again"));
}

#[tokio::test]
async fn the_seed_is_sealed_at_rest() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let stored: String = query("SELECT secret FROM totp_factors")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("v1.k1."), "{stored}");
    let base32 = totp_rs::Secret::Raw(seed.clone()).to_encoded().to_string();
    assert!(!stored.contains(&base32));
    let key_file = std::fs::read_to_string(&app.state.config().secret_key_file).unwrap();
    assert!(key_file.lines().any(|l| l.starts_with("k1 ")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&app.state.config().secret_key_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn turning_off_the_last_factor_needs_the_password() {
    let app = spawn_app().await;
    let (cookie, seed, _) = with_app_on(&app, "ann@example.org").await;
    let res = app
        .call(
            "turn_off_totp",
            &[("confirm", &code(&app, &seed, 0))],
            Some(&cookie),
        )
        .await;
    assert!(field_error(res, "confirm")
        .await
        .contains("needs your current password"));
    let res = app
        .call(
            "turn_off_totp",
            &[("confirm", "not my password at all")],
            Some(&cookie),
        )
        .await;
    assert!(field_error(res, "confirm")
        .await
        .contains("not your current password"));
    assert_eq!(app.count("totp_factors").await, 1, "nothing changed");
    let res = app
        .call("turn_off_totp", &[("confirm", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("totp_factors").await, 0);
    assert_eq!(
        app.count("recovery_codes").await,
        0,
        "the codes go with the last factor"
    );
    assert_eq!(audit_count(&app, "second_factor.removed").await, 1);
    // A password alone signs in again.
    let res = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test]
async fn regenerating_recovery_codes_takes_a_code_and_voids_the_old_ones() {
    let app = spawn_app().await;
    let (cookie, seed, old) = with_app_on(&app, "ann@example.org").await;
    let res = app
        .call(
            "regenerate_recovery_codes",
            &[("confirm_codes", &code(&app, &seed, 0))],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let fresh = security(&app, &cookie).await["new_codes"].clone();
    assert_eq!(fresh.as_array().unwrap().len(), 10);
    let half = half_signed_in(&app, "ann@example.org").await;
    let res = verify(&app, &half, "recovery_code", &old[0]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "old codes are void");
    let res = verify(&app, &half, "recovery_code", fresh[0].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_code_does_not_turn_the_app_on() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.call("set_up_totp", &[], Some(&cookie)).await;
    let page = security(&app, &cookie).await;
    assert!(page["setup"]["qr_svg"]
        .as_str()
        .unwrap()
        .starts_with("<svg"));
    let seed = seed_of(&page);
    let wrong = if code(&app, &seed, 0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let res = app
        .call("turn_on_totp", &[("code", wrong)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(security(&app, &cookie).await["totp"], false);
    // Still a password alone.
    let res = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(location(&res).as_deref(), Some("/"));
}

#[tokio::test]
async fn an_administrator_can_reset_two_factor() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    let (cookie, _, _) = with_app_on(&app, "ann@example.org").await;
    let id = app.user_id("ann@example.org").await;
    let list = app
        .get("/admin/users?two_factor=yes", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Showing 1–1 of 1 users"), "{list}");
    assert!(list.contains("ann@example.org") && !list.contains("ada@example.org"));
    let list = app
        .get("/admin/users?two_factor=no", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("ada@example.org") && !list.contains("ann@example.org"));
    let page = app
        .get(&format!("/admin/users/{id}"), Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Reset two-factor"));

    let user = app.sign_up("bob@example.org", "Bob").await;
    let res = app
        .call(
            "admin_reset_two_factor",
            &[("id", &id.to_string())],
            Some(&user),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .call(
            "admin_reset_two_factor",
            &[("id", &id.to_string())],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        signed_in_as(&app, &cookie).await,
        Value::Null,
        "their sessions ended"
    );
    assert_eq!(app.count("totp_factors").await, 0);
    assert_eq!(app.count("recovery_codes").await, 0);
    assert_eq!(audit_count(&app, "user.second_factor_reset").await, 1);
    let notice = app.wait_mail("ann@example.org", "second_factor").await;
    assert!(notice.body_text.contains("An administrator reset"));
    let res = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(
        location(&res).as_deref(),
        Some("/"),
        "a password alone again"
    );
}

#[tokio::test]
async fn administrators_can_be_required_to_set_up_a_second_factor() {
    let app = spawn_app_with(|c| c.require_2fa_for_admins = true).await;
    let admin = app.with_admin("ada@example.org").await;
    let res = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res).as_deref(),
        Some("/settings/security?required=1")
    );
    let res = app
        .call("admin_reset_two_factor", &[("id", "1")], Some(&admin))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "server functions too");
    let page = app
        .get("/settings/security?required=1", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Administrators must set up a second factor"));
    // Their own pages still work; once an app is on, the console opens.
    app.call("set_up_totp", &[], Some(&admin)).await;
    let seed = seed_of(&security(&app, &admin).await);
    let res = app
        .call(
            "turn_on_totp",
            &[("code", &code(&app, &seed, 0))],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Off by default: another server's administrators go straight in.
    let relaxed = spawn_app().await;
    let admin = relaxed.with_admin("ada@example.org").await;
    assert_eq!(
        relaxed.get("/admin/users", Some(&admin)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_database_without_its_key_file_refuses_to_start() {
    let app = spawn_app().await;
    with_app_on(&app, "ann@example.org").await;
    let options = || {
        leptos::config::LeptosOptions::builder()
            .output_name("roster")
            .build()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = app.state.config().clone();
    config.secret_key_file = dir.path().join("missing.key");
    let refused = roster::app::router::build_router(config.clone(), options())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        refused.contains("cannot decrypt stored secrets with") && refused.contains("missing.key"),
        "{refused}"
    );
    assert!(
        !dir.path().join("missing.key").exists(),
        "no new key made over the old data"
    );
    // Another key file (say, of another installation) is refused too.
    roster::server::keyring::Keyring::create(&dir.path().join("other.key")).unwrap();
    config.secret_key_file = dir.path().join("other.key");
    let refused = roster::app::router::build_router(config, options())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        refused.contains("cannot decrypt stored secrets with"),
        "{refused}"
    );
}

#[tokio::test]
async fn rotating_the_data_key_reseals_and_sign_in_still_works() {
    let app = spawn_app().await;
    let (_, seed, _) = with_app_on(&app, "ann@example.org").await;
    let keyring = app.state.keyring().unwrap();
    let rotated = roster::store::data_keys::rotate(&app.pool, keyring, app.state.now())
        .await
        .unwrap();
    assert_eq!(rotated.key_id, "k2");
    assert_eq!(rotated.resealed, 1);
    let stored: String = query("SELECT secret FROM totp_factors")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("v1.k2."), "{stored}");
    let half = half_signed_in(&app, "ann@example.org").await;
    let res = verify(&app, &half, "code", &code(&app, &seed, 0)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // A second node started with the rotated file checks both keys.
    let node = app.another_node(|_| {}).await;
    assert_eq!(node.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn passkey_endpoints_refuse_what_does_not_check_out() {
    // An IP-address origin: browsers refuse it as a relying party, so passkeys are off.
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/login/passkey/options"))
        .header("origin", app.url(""))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let app = spawn_app_with(|c| c.mail.public_url = Some("http://localhost:3000".into())).await;
    let post = |path: &'static str, body: Value, cookie: Option<String>| {
        let mut req = app
            .client
            .post(app.url(path))
            .header("origin", app.url(""))
            .json(&body);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    // No challenge asked for: refused.
    let res = post("/login/passkey", serde_json::json!({}), None)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = post(
        "/login/passkey/options",
        serde_json::json!({"next": "/profile"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).expect("the challenge is kept for this browser");
    let options: Value = res.json().await.unwrap();
    assert_eq!(options["mediation"], "conditional");
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert_eq!(options["publicKey"]["userVerification"], "required");
    // A made-up assertion is refused and signs nobody in.
    let forged = serde_json::json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
        "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA",
                     "signature": "AAAA", "userHandle": "AAAA"}
    });
    let res = post("/login/passkey", forged, Some(cookie.clone()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("not accepted"),
        "{body}"
    );
    assert_eq!(app.count("user_sessions").await, 0);
    // Registering needs a signed-in person, and a name.
    let res = post(
        "/settings/security/passkeys/options",
        serde_json::json!({"name": "x"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let user = app.sign_up("ann@example.org", "Ann").await;
    let res = post(
        "/settings/security/passkeys/options",
        serde_json::json!({"name": "  "}),
        Some(user.clone()),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Give the passkey a name, e.g. \"Laptop\" or \"Phone\"."
    );
    // The script shows the message as it comes: in the page's language (issue 19).
    let res = app
        .client
        .post(app.url("/settings/security/passkeys/options"))
        .header("origin", app.url(""))
        .header("cookie", user.clone())
        .header("accept-language", "de-DE,de;q=0.9")
        .json(&serde_json::json!({"name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Geben Sie dem Passkey einen Namen, etwa „Laptop“ oder „Telefon“."
    );
    let res = post(
        "/settings/security/passkeys/options",
        serde_json::json!({"name": "Laptop"}),
        Some(user.clone()),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let options: Value = res.json().await.unwrap();
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    assert_eq!(selection["userVerification"], "required");
    let handle: String = query("SELECT passkey_handle FROM users WHERE email = 'ann@example.org'")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        handle.len(),
        36,
        "a random UUID, not the row id or the address"
    );
    // Without JSON from a browser's authenticator nothing is stored.
    let res = post(
        "/settings/security/passkeys",
        serde_json::json!({"id": 1}),
        Some(user),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("passkeys").await, 0);
    // Challenges are limited per client (each is a session write).
    let mut limited = false;
    for _ in 0..40 {
        let res = post("/login/passkey/options", serde_json::json!({}), None)
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "at most 30 challenges a minute from one client");
    // Cross-site posts are refused before anything runs (CSRF).
    let res = app
        .client
        .post(app.url("/login/passkey/options"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
