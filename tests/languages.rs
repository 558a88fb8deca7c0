//! The page's language (issue 19): the person's "Language" setting, else the browser's
//! `Accept-Language`, else English; `<html lang>` says which; the anonymous page cache keeps one
//! page per language.

use reqwest::{header, Response, StatusCode};
use roster::server::db::query;
use serde_json::{json, Value};

use crate::common::{location, spawn_app, TestApp};

/// GETs `path` with `Accept-Language: accept` (and the session `cookie`, if any).
async fn get_in(app: &TestApp, path: &str, accept: &str, cookie: Option<&str>) -> Response {
    let mut req = app
        .client
        .get(app.url(path))
        .header(header::ACCEPT_LANGUAGE, accept);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// The `lang` of a page's `<html>`.
fn html_lang(page: &str) -> &str {
    let rest = &page[page.find("<html lang=\"").expect("<html lang>") + 12..];
    &rest[..rest.find('"').unwrap()]
}

#[tokio::test]
async fn signed_out_pages_speak_the_browsers_language_and_are_cached_per_language() {
    let app = spawn_app().await;
    for _ in 0..2 {
        let german = get_in(&app, "/", "de-DE,de;q=0.9,en;q=0.8", None).await;
        assert_eq!(german.status(), StatusCode::OK);
        assert_eq!(german.headers()[header::VARY], "accept-language");
        let page = german.text().await.unwrap();
        assert_eq!(html_lang(&page), "de");
        assert!(page.contains("Konto anlegen"), "{page}");
        assert!(!page.contains("Create account"));

        let english = get_in(&app, "/", "fr-CH, fr;q=0.9, en;q=0.5", None).await;
        let page = english.text().await.unwrap();
        assert_eq!(html_lang(&page), "en");
        assert!(page.contains("Create account"));
    }
    // Weights, not order; and q=0 refuses a language.
    let page = get_in(&app, "/", "en;q=0.2, de;q=0.7", None).await;
    assert_eq!(html_lang(&page.text().await.unwrap()), "de");
    let page = get_in(&app, "/", "de;q=0, en;q=0.1", None).await;
    assert_eq!(html_lang(&page.text().await.unwrap()), "en");
    // Without the header: English.
    let page = app.get("/", None).await.text().await.unwrap();
    assert_eq!(html_lang(&page), "en");
    assert!(app.state.pages().contains("/", "de") && app.state.pages().contains("/", "en"));

    let login = get_in(&app, "/login", "de", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(login.contains("<h1>Anmelden</h1>"), "{login}");
    assert!(login.contains(">E-Mail</label>") && login.contains(">Passwort</label>"));

    let missing = get_in(&app, "/no-such-page", "de", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let page = missing.text().await.unwrap();
    assert!(
        page.contains("<title>Seite nicht gefunden · Roster</title>"),
        "{page}"
    );
    // The API reference: its own words in German, the API's descriptions said to be English.
    let docs = get_in(&app, "/api/docs", "de", None)
        .await
        .text()
        .await
        .unwrap();
    for german in [
        "API-Referenz",
        "Antworten",
        "wie die Antworten der API selbst, englisch",
    ] {
        assert!(docs.contains(german), "{german} missing: {docs}");
    }
    assert!(!docs.contains("Responses"), "{docs}");
}

#[tokio::test]
async fn the_language_setting_beats_the_browser_and_is_audited() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let settings = |language: &'static str| {
        [
            ("theme", "system"),
            ("time_zone", "UTC"),
            ("language", language),
        ]
    };

    let res = app
        .call("update_settings", &settings("de"), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/settings?saved=1"));
    let page = get_in(&app, "/settings?saved=1", "en-US,en", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&page), "de");
    assert!(page.contains("Einstellungen gespeichert"), "{page}");
    assert!(page.contains(r#"<option value="de" selected"#), "{page}");
    let (stored,): (Option<String>,) = query("SELECT language FROM profiles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("de"));
    let (details,): (String,) =
        query("SELECT details FROM audit_events WHERE action = 'profile.updated'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["changes"], json!({ "language": ["", "de"] }));

    // Back to the browser's choice.
    let res = app
        .call("update_settings", &settings("browser"), Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = get_in(&app, "/settings", "en-US,en", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&page), "en");
    assert!(page.contains("Save settings"));
}

#[tokio::test]
async fn an_unknown_language_is_refused_and_a_stored_one_this_build_lacks_reads_as_unset() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let res = app
        .call(
            "update_settings",
            &[
                ("theme", "system"),
                ("time_zone", "UTC"),
                ("language", "fr"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"Validation":[{"field":"language","message":"Choose a language from the list","refusal":"ChooseLanguage"}]}"#
    );
    let (stored,): (Option<String>,) = query("SELECT language FROM profiles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, None, "nothing changed");

    // A form drawn before the setting existed (no `language`) leaves it alone.
    let res = app
        .call(
            "update_settings",
            &[("theme", "dark"), ("time_zone", "UTC")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A language a later build shipped, then this one lacks: the browser decides.
    query("UPDATE profiles SET language = 'xx'")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = get_in(&app, "/settings", "de", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert_eq!(html_lang(&page), "de");
    assert!(
        page.contains(r#"<option value="browser" selected"#),
        "{page}"
    );
}

/// Posts `form` to the server function `endpoint` as a browser without JavaScript on `page`,
/// expects the refusal's redirect, and opens where it leads with `Accept-Language: de`.
async fn refused_page_in_german(
    app: &TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    page: &str,
) -> String {
    refused_page_in_german_as(app, endpoint, form, page, None).await
}

/// [`refused_page_in_german`] for the person signed in with `cookie`.
async fn refused_page_in_german_as(
    app: &TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    page: &str,
    cookie: Option<&str>,
) -> String {
    let refused = app.post_plain(endpoint, form, cookie, page).await;
    assert_eq!(refused.status(), StatusCode::FOUND);
    let back = location(&refused).unwrap();
    get_in(app, back.trim_start_matches(&app.url("")), "de", cookie)
        .await
        .text()
        .await
        .unwrap()
}

/// The admin console's messages that quote what was entered (an app's redirect URI, an import's
/// rows) are German around the quote; the English stays what the command line prints.
#[tokio::test]
async fn admin_messages_about_entered_lines_speak_the_pages_language() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    let form = [
        ("name", ""),
        (
            "redirect_uris",
            "https://wiki.example.org/cb\nhttp://dash.example.org/cb",
        ),
        ("client_type", "confidential"),
        ("id_token_alg", "none"),
    ];
    let page = refused_page_in_german_as(
        &app,
        "admin_create_client",
        &form,
        "/admin/clients",
        Some(&admin),
    )
    .await;
    for german in [
        "Geben Sie der App einen Namen, den man wiedererkennt.",
        "„http://dash.example.org/cb“: Verwenden Sie https:// oder",
        "„none“: Dieses Signaturverfahren bietet Roster nicht an",
    ] {
        assert!(page.contains(german), "{german} missing: {page}");
    }
    assert!(!page.contains("Use https://"), "{page}");
    assert_eq!(app.count("oauth_clients").await, 0);

    let csv = "ann@example.org,Ann\nnot-an-email,Bad\nann@example.org,Ann again\n";
    let preview = app
        .call("admin_import_users", &[("csv", csv)], Some(&admin))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let page = get_in(&app, "/admin/users/import?report=1", "de", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    for german in [
        "Zeile 2: Geben Sie eine E-Mail-Adresse wie name@example.com ein",
        "Zeile 3: ann@example.org wiederholt Zeile 1.",
    ] {
        assert!(page.contains(german), "{german} missing: {page}");
    }
}

/// A refused form comes back in the page's language: each field's message and the form's
/// summary (the JSON API keeps English: `tests/api`).
#[tokio::test]
async fn refused_forms_speak_the_pages_language() {
    let app = spawn_app().await;
    let form = crate::common::sign_up_form("nope", "Ann", "short");
    let page = refused_page_in_german(&app, "sign_up", &form, "/signup").await;
    assert_eq!(html_lang(&page), "de");
    for german in [
        "Geben Sie eine E-Mail-Adresse wie name@example.com ein",
        "Verwenden Sie mindestens 12 Zeichen (bisher 5)",
        "Bitte korrigieren Sie die markierten Felder",
    ] {
        assert!(page.contains(german), "{german} missing: {page}");
    }
    assert!(!page.contains("Enter an email address like"), "{page}");

    // zxcvbn's verdict on a guessable password, its reason and tip in German too.
    let form = crate::common::sign_up_form("eve@example.org", "Eve", "password123456");
    let page = refused_page_in_german(&app, "sign_up", &form, "/signup").await;
    assert!(
        page.contains("Wählen Sie ein schwerer zu erratendes Passwort."),
        "{page}"
    );
    assert!(!page.contains("Choose a harder password"), "{page}");

    // A conflict (an account exists) and a wrong password, in German too.
    app.sign_up("ann@example.org", "Ann").await;
    let form = crate::common::sign_up_form("ann@example.org", "Ann", "a long enough passphrase");
    let page = refused_page_in_german(&app, "sign_up", &form, "/signup").await;
    assert!(
        page.contains("Zu dieser E-Mail-Adresse gibt es bereits ein Konto."),
        "{page}"
    );
    let form = [
        ("email", "ann@example.org"),
        ("password", "not the password"),
    ];
    let page = refused_page_in_german(&app, "log_in", &form, "/login").await;
    assert!(
        page.contains("E-Mail-Adresse oder Passwort ist falsch"),
        "{page}"
    );
}

/// POSTs `form` to the server function `endpoint` as the wasm does, from a browser asking for
/// `accept`.
async fn call_in(app: &TestApp, endpoint: &str, form: &[(&str, &str)], accept: &str) -> Response {
    app.client
        .post(app.url(&format!("/fn/{endpoint}")))
        .header(header::ACCEPT_LANGUAGE, accept)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A mail is written in its recipient's "Language" setting; without one, in the language of
/// the browser that asked for it (a reset link); English otherwise.
#[tokio::test]
async fn mails_speak_the_recipients_language() {
    let app = spawn_app().await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    app.sign_up("bob@example.org", "Bob").await;
    let forgot = |email: &'static str, accept: &'static str| {
        let app = &app;
        async move {
            let res = call_in(app, "forgot_password", &[("email", email)], accept).await;
            assert_eq!(res.status(), StatusCode::OK);
            app.wait_mail(email, "password_reset").await.body_text
        }
    };

    let german = forgot("ann@example.org", "de-DE,de;q=0.9").await;
    assert!(german.starts_with("Hallo Ann,"), "{german}");
    assert!(german.contains("Neues Passwort wählen") && german.contains("1 Stunde"));
    let english = forgot("bob@example.org", "en-GB").await;
    assert!(english.starts_with("Hello Bob,"), "{english}");
    assert!(english.contains("Choose a new password") && english.contains("1 hour"));

    // The setting beats the browser.
    let settings = [
        ("theme", "system"),
        ("time_zone", "UTC"),
        ("language", "de"),
    ];
    let res = app.call("update_settings", &settings, Some(&ann)).await;
    assert_eq!(res.status(), StatusCode::OK);
    query("DELETE FROM outbox")
        .execute(&app.pool)
        .await
        .unwrap();
    let german = forgot("ann@example.org", "en-US,en").await;
    assert!(german.starts_with("Hallo Ann,"), "{german}");
    let (subject,): (String,) = query("SELECT subject FROM outbox")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(subject, "Setzen Sie Ihr Passwort zurück · Roster");
}

/// The admin console in German: the list (headings, filters, role and status names, the
/// summary), a user's page and the outbox.
#[tokio::test]
async fn the_admin_console_speaks_the_pages_language() {
    let app = spawn_app().await;
    let admin = app.with_admin("root@example.org").await;
    app.sign_up("ann@example.org", "Ann").await;
    let page = get_in(&app, "/admin/users", "de", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html_lang(&page), "de");
    for text in [
        "<h1>Personen</h1>",
        ">Neue Person<",
        ">Anzeigename",
        ">Letzte Anmeldung",
        ">Administrator<",
        ">Aktiv<",
        "1–2 von 2 Personen",
        "Seite 1 von 1",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    for english in ["New user", "Display name", "Showing", "Page 1 of 1"] {
        assert!(!page.contains(english), "{english} in {page}");
    }
    let (ann,): (i64,) = query("SELECT id FROM users WHERE email = 'ann@example.org'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let user = get_in(&app, &format!("/admin/users/{ann}"), "de", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(user.contains("Person bearbeiten"), "{user}");
    assert!(user.contains(">Änderungen speichern<") && user.contains(">Person löschen<"));
    let outbox = get_in(&app, "/admin/outbox", "de", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(outbox.contains("<h1>Postausgang</h1>"), "{outbox}");
    assert!(outbox.contains(">Test-E-Mail senden<"));
    // Audit actions by name in German, their stable names beside them.
    let audit = get_in(&app, "/admin/audit", "de", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("Konto angelegt"), "{audit}");
    assert!(audit.contains("<code>account.created</code>"), "{audit}");
    assert!(
        audit.contains(">Anmeldung fehlgeschlagen<"),
        "an option: {audit}"
    );
    // English for a browser that asks for it.
    let page = get_in(&app, "/admin/users", "en", Some(&admin))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Showing 1–2 of 2 users"), "{page}");
}

/// A session's browser is named in the page's language ("Firefox unter Linux").
#[tokio::test]
async fn sessions_name_their_browser_in_the_pages_language() {
    let app = spawn_app().await;
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let browser = reqwest::Client::builder()
        .user_agent(firefox)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser
        .post(app.url("/fn/sign_up"))
        .form(&crate::common::sign_up_form(
            "ann@example.org",
            "Ann",
            "a long enough passphrase",
        ))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let cookie = crate::common::session_cookie(&res).expect("a session cookie");
    let page = browser
        .get(app.url("/settings/sessions"))
        .header(header::ACCEPT_LANGUAGE, "de")
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Firefox unter Linux"), "{page}");
    assert!(!page.contains("Firefox on Linux"), "{page}");
}
