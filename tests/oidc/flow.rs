//! The authorization code flow with PKCE, as an app drives it: authorize (the exact redirect
//! URI first, then PKCE and scopes), sign-in, consent (remembered), code exchange (once, 60 s,
//! verifier, client authentication), ID token against the JWKS, userinfo, refresh rotation
//! with reuse detection, and a disabled person's tokens stopping at once.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use reqwest::StatusCode;
use roster::{
    auth::Admin,
    oidc::{ClientForm, NewClient},
    request::RequestContext,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{location, spawn_app, TestApp};

const REDIRECT: &str = "https://wiki.example.org/oauth2/callback";

struct Client {
    id: String,
    secret: Option<String>,
}

/// "Team wiki" redirecting to [`REDIRECT`], with `scopes`, registered.
async fn register(app: &TestApp, public: bool, scopes: &[&str]) -> Client {
    register_form(
        app,
        ClientForm {
            name: "Team wiki".into(),
            redirect_uris: REDIRECT.into(),
            public,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..ClientForm::default()
        },
    )
    .await
}

/// Registers the client `form` describes.
async fn register_form(app: &TestApp, form: ClientForm) -> Client {
    let client: NewClient = form.parse().unwrap();
    let made = roster::oidc::clients::register(
        &app.state,
        &Admin::operator(),
        &RequestContext::cli(),
        &client,
        app.state.now(),
    )
    .await
    .unwrap();
    Client {
        id: made.client_id,
        secret: made.client_secret,
    }
}

/// A PKCE pair: the verifier (43 characters) and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD
        .encode(uuid::Uuid::new_v4().as_bytes())
        .repeat(2);
    let verifier = verifier[..43].to_string();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn authorize_url(client: &str, redirect: &str, scope: &str, challenge: &str) -> String {
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    url.append_pair("response_type", "code")
        .append_pair("client_id", client)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", scope)
        .append_pair("state", "st-123")
        .append_pair("nonce", "n-456")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    format!("/oauth/authorize?{}", url.finish())
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// "Allow" on the consent page for `path`'s request; the redirect back to the app.
async fn allow(app: &TestApp, cookie: &str, path: &str, decision: &str) -> String {
    let q = query_of(&app.url(path));
    let mut form: Vec<(String, String)> = q
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), v.clone()))
        .collect();
    form.push(("decision".into(), decision.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app.call("oauth_decide", &form, Some(cookie)).await;
    location(&res).unwrap_or_else(|| panic!("no redirect: {}", res.status()))
}

async fn token(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.post(app.url("/oauth/token")).form(form);
    if let Some(secret) = &client.secret {
        req = req.basic_auth(&client.id, Some(secret));
    }
    req.send().await.unwrap()
}

async fn exchange(app: &TestApp, client: &Client, code: &str, verifier: &str) -> reqwest::Response {
    token(
        app,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", &client.id),
        ],
    )
    .await
}

/// A refresh token request by `client`; the answer's body.
async fn refreshed(app: &TestApp, client: &Client, refresh_token: &str) -> Value {
    token(
        app,
        client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn userinfo(app: &TestApp, access: &str) -> reqwest::Response {
    app.client
        .get(app.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
}

/// Signs `email` up and through the flow with `scope` up to the code; returns the session
/// cookie, the code and the PKCE verifier.
async fn code_for(
    app: &TestApp,
    client: &Client,
    email: &str,
    scope: &str,
) -> (String, String, String) {
    let cookie = app.sign_up(email, "Ann").await;
    let (verifier, challenge) = pkce();
    let path = authorize_url(&client.id, REDIRECT, scope, &challenge);
    let page = app.get(&path, Some(&cookie)).await.text().await.unwrap();
    assert!(
        page.contains("Allow Team wiki to use your account?"),
        "{page}"
    );
    let back = allow(app, &cookie, &path, "allow").await;
    let q = query_of(&back);
    (cookie, q["code"].clone(), verifier)
}

/// Signs `email` up, through the flow with `scope` and the code exchange: the session
/// cookie and the token response.
async fn tokens_for(app: &TestApp, client: &Client, email: &str, scope: &str) -> (String, Value) {
    let (cookie, code, verifier) = code_for(app, client, email, scope).await;
    let tokens = exchange(app, client, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    (cookie, tokens)
}

/// "Team wiki" with a post-logout redirect URI, its ID tokens signed with `alg`.
fn wiki_with_logout(alg: &str) -> ClientForm {
    ClientForm {
        name: "Team wiki".into(),
        redirect_uris: REDIRECT.into(),
        post_logout_redirect_uris: "https://wiki.example.org/signed-out".into(),
        id_token_alg: alg.into(),
        ..ClientForm::default()
    }
}

/// The claims of `id_token` after checking its signature with `key` and `alg`, its audience
/// (`client`) and its issuer; panics when a check fails.
fn verified(
    app: &TestApp,
    client: &Client,
    id_token: &str,
    key: &jsonwebtoken::DecodingKey,
    alg: jsonwebtoken::Algorithm,
) -> Value {
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_audience(&[&client.id]);
    validation.set_issuer(&[app.state.public_origin()]);
    jsonwebtoken::decode::<Value>(id_token, key, &validation)
        .unwrap()
        .claims
}

/// The provider's discovery document.
async fn discovery(app: &TestApp) -> Value {
    app.get("/.well-known/openid-configuration", None)
        .await
        .json()
        .await
        .unwrap()
}

/// The key of the JWKS that the JWT `header` names.
async fn published_key(app: &TestApp, header: &jsonwebtoken::Header) -> Value {
    let jwks: Value = app
        .get("/oauth/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("signed by a published key")
        .clone()
}

fn error_of(url: &str) -> String {
    query_of(url).get("error").cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_code_flow_signs_a_person_in_with_pkce_and_a_verified_id_token() {
    let app = spawn_app().await;
    let client = register(&app, false, &["profile", "email", "offline_access"]).await;
    let (verifier, challenge) = pkce();
    let path = authorize_url(
        &client.id,
        REDIRECT,
        "openid profile email offline_access",
        &challenge,
    );

    // Not signed in: sign in first, and come back to the same request.
    let res = app.get(&path, None).await;
    let to = location(&res).expect("sent to sign in");
    assert!(
        to.starts_with("/login?next=%2Foauth%2Fauthorize%3F"),
        "{to}"
    );

    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let res = app.get(&path, Some(&cookie)).await;
    // Without JavaScript "Allow" ends in a redirect to the app: its form may end there, and
    // nowhere else.
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://wiki.example.org;"),
        "{csp}"
    );
    assert!(
        res.headers().get("x-roster-form-target").is_none(),
        "never sent on"
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("Allow Team wiki to use your account?"));
    assert!(page.contains("Your email address"));
    let other = app.get("/settings", Some(&cookie)).await;
    let csp = other.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("form-action 'self';"), "{csp}");
    let back = allow(&app, &cookie, &path, "allow").await;
    assert!(back.starts_with(REDIRECT), "{back}");
    let q = query_of(&back);
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["iss"], app.state.public_origin(), "RFC 9207");
    let code = q["code"].clone();

    let res = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 600);
    let id_token = tokens["id_token"].as_str().unwrap();

    // The ID token verifies against the published keys, for this client and nonce.
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    let jwk = &published_key(&app, &header).await;
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let claims = verified(
        &app,
        &client,
        id_token,
        &key,
        jsonwebtoken::Algorithm::RS256,
    );
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["email"], "ann@example.org");
    let sub = claims["sub"].as_str().unwrap().to_string();
    assert_eq!(sub.len(), 36, "a random id, not the row id or the address");
    assert!(!sub.contains('@'));

    // Userinfo says the same for the access token.
    let access = tokens["access_token"].as_str().unwrap();
    let info: Value = userinfo(&app, access).await.json().await.unwrap();
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["name"], "Ann");
    assert_eq!(info["email_verified"], false);
    // `locale`: the Language setting; English when it is left to the browser or names a
    // language this build lacks.
    assert_eq!(info["locale"], "en");
    for (stored, claim) in [("de", "de"), ("xx", "en")] {
        roster::server::db::query("UPDATE profiles SET language = $1")
            .bind(stored)
            .execute(&app.pool)
            .await
            .unwrap();
        let info: Value = userinfo(&app, access).await.json().await.unwrap();
        assert_eq!(info["locale"], claim, "stored {stored}");
    }

    // The consent is remembered: the next request goes straight back with a code.
    let (_, challenge) = pkce();
    let again = authorize_url(&client.id, REDIRECT, "openid email", &challenge);
    let res = app.get(&again, Some(&cookie)).await;
    let back = location(&res).expect("no question the second time");
    assert!(query_of(&back).contains_key("code"), "{back}");

    // Discovery names all of it.
    let meta = discovery(&app).await;
    assert_eq!(meta["issuer"], app.state.public_origin());
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(meta["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth/token"));
}

/// `path` as a browser asking for German.
async fn page_in_german(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    let mut req = app
        .client
        .get(app.url(path))
        .header(reqwest::header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9");
    if let Some(cookie) = cookie {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    req.send().await.unwrap().text().await.unwrap()
}

/// The refusal page, the consent question and `/settings/apps` speak the page's language
/// (issue 19); what a scope shares and why a request is refused travel as data.
#[tokio::test]
async fn the_authorization_pages_speak_the_pages_language() {
    let app = spawn_app().await;
    let client = register(&app, false, &["email"]).await;
    let (_, challenge) = pkce();
    let unknown = authorize_url("no-such-client", REDIRECT, "openid", &challenge);
    let page = page_in_german(&app, &unknown, None).await;
    assert!(
        page.contains("Diese Anmeldung kann nicht weitergehen"),
        "{page}"
    );
    assert!(page.contains("Diese App ist bei Roster nicht eingetragen"));
    let evil = authorize_url(&client.id, "https://evil.example/cb", "openid", &challenge);
    let page = page_in_german(&app, &evil, None).await;
    assert!(
        page.contains("Team wiki wollte Sie zu einer Adresse zurückschicken"),
        "{page}"
    );
    assert!(!page.contains("did not register"));

    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let path = authorize_url(&client.id, REDIRECT, "openid email", &challenge);
    let page = page_in_german(&app, &path, Some(&cookie)).await;
    assert!(
        page.contains("Team wiki Zugriff auf Ihr Konto erlauben?"),
        "{page}"
    );
    assert!(page.contains("Ihre E-Mail-Adresse und ob sie bestätigt ist"));
    assert!(page.contains(">Erlauben</button>") && page.contains(">Ablehnen</button>"));
    // English for a browser that asks for it.
    let page = app.get(&path, Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("Your email address and whether it is confirmed"));

    allow(&app, &cookie, &path, "allow").await;
    let apps = page_in_german(&app, "/settings/apps", Some(&cookie)).await;
    assert!(apps.contains("Zugriff von Team wiki widerrufen"), "{apps}");
    assert!(apps.contains("Ihre E-Mail-Adresse und ob sie bestätigt ist"));
}

#[tokio::test]
async fn a_bad_client_or_redirect_uri_is_an_error_page_never_a_redirect() {
    let app = spawn_app().await;
    let client = register(&app, false, &[]).await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let (_, challenge) = pkce();
    for path in [
        authorize_url(&client.id, "https://evil.example/cb", "openid", &challenge),
        authorize_url(
            &client.id,
            &format!("{REDIRECT}/extra"),
            "openid",
            &challenge,
        ),
        authorize_url("no-such-client", REDIRECT, "openid", &challenge),
    ] {
        for who in [None, Some(cookie.as_str())] {
            let res = app.get(&path, who).await;
            assert!(location(&res).is_none(), "{path}: never redirects");
            let page = res.text().await.unwrap();
            assert!(page.contains("This sign-in cannot go on"), "{path}");
        }
    }
    // Past those checks, errors go back to the app with state and iss.
    let no_pkce = authorize_url(&client.id, REDIRECT, "openid", "")
        .replace("&code_challenge_method=S256", "");
    let back = location(&app.get(&no_pkce, Some(&cookie)).await).unwrap();
    assert_eq!(error_of(&back), "invalid_request");
    assert_eq!(query_of(&back)["state"], "st-123");
    assert!(query_of(&back).contains_key("iss"));
    let plain = authorize_url(&client.id, REDIRECT, "openid", &challenge)
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    assert_eq!(
        error_of(&location(&app.get(&plain, Some(&cookie)).await).unwrap()),
        "invalid_request"
    );
    let wide = authorize_url(&client.id, REDIRECT, "openid offline_access", &challenge);
    assert_eq!(
        error_of(&location(&app.get(&wide, Some(&cookie)).await).unwrap()),
        "invalid_scope"
    );
    let no_openid = authorize_url(&client.id, REDIRECT, "email", &challenge);
    assert_eq!(
        error_of(&location(&app.get(&no_openid, Some(&cookie)).await).unwrap()),
        "invalid_scope"
    );
    let implicit = authorize_url(&client.id, REDIRECT, "openid", &challenge)
        .replace("response_type=code", "response_type=token");
    assert_eq!(
        error_of(&location(&app.get(&implicit, Some(&cookie)).await).unwrap()),
        "unsupported_response_type"
    );
    // Deny.
    let path = authorize_url(&client.id, REDIRECT, "openid", &challenge);
    let back = allow(&app, &cookie, &path, "deny").await;
    assert_eq!(error_of(&back), "access_denied");
    assert_eq!(app.count("oauth_grants").await, 0, "nothing was granted");
}

#[tokio::test]
async fn codes_work_once_within_a_minute_for_their_verifier_and_client() {
    let app = spawn_app().await;
    let client = register(&app, false, &["email"]).await;
    let (_, code, verifier) = code_for(&app, &client, "ann@example.org", "openid email").await;

    let (wrong, _) = pkce();
    let res = exchange(&app, &client, &code, &wrong).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // A failed exchange used the code up: it is single-use whatever happened.
    let res = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");

    // A reused code revokes what the first exchange issued.
    let (cookie, code, verifier) = code_for(&app, &client, "bob@example.org", "openid email").await;
    drop(cookie);
    let first: Value = exchange(&app, &client, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    let res = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Expired after 60 seconds.
    let (_, code, verifier) = code_for(&app, &client, "cy@example.org", "openid").await;
    app.clock.advance(61);
    let res = exchange(&app, &client, &code, &verifier).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");

    // The wrong secret, or another client, is refused.
    let (_, code, verifier) = code_for(&app, &client, "di@example.org", "openid").await;
    let impostor = Client {
        id: client.id.clone(),
        secret: Some("roster_cs_wrong".into()),
    };
    let res = exchange(&app, &impostor, &code, &verifier).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Basic realm=\"roster\"");
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let other = register(&app, false, &[]).await;
    let res = exchange(&app, &other, &code, &verifier).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let res = token(&app, &client, &[("grant_type", "password")]).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_grant() {
    let app = spawn_app().await;
    let client = register(&app, true, &["offline_access"]).await;
    assert!(client.secret.is_none(), "a public client");
    let (_, first) = tokens_for(&app, &client, "ann@example.org", "openid offline_access").await;
    let refresh = first["refresh_token"]
        .as_str()
        .expect("offline_access")
        .to_string();
    let refresh_form = |token: &str| {
        vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), token.to_string()),
            ("client_id".to_string(), client.id.clone()),
        ]
    };
    let send =
        |form: Vec<(String, String)>| app.client.post(app.url("/oauth/token")).form(&form).send();
    let second: Value = send(refresh_form(&refresh))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rotated, refresh);
    let access = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(userinfo(&app, &access).await.status(), StatusCode::OK);
    // The old one again: the whole grant ends, the new tokens with it.
    let res = send(refresh_form(&refresh)).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let res = send(refresh_form(&rotated)).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(
        userinfo(&app, &access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let revoked: i64 = roster::server::db::query(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'oidc.grant_revoked'",
    )
    .scalar(&app.pool)
    .await
    .unwrap();
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn a_disabled_person_s_tokens_stop_at_once() {
    let app = spawn_app().await;
    let admin = app.with_admin("ada@example.org").await;
    let client = register(&app, false, &["offline_access"]).await;
    let (_, tokens) = tokens_for(&app, &client, "ann@example.org", "openid offline_access").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    let id = app.user_id("ann@example.org").await;
    let res = app
        .call(
            "admin_update_user",
            &[
                ("id", &id.to_string()),
                ("display_name", "Ann"),
                ("bio", ""),
                ("location", ""),
                ("website", ""),
                ("role", "user"),
                ("status", "disabled"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = userinfo(&app, access).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    assert_eq!(
        refreshed(&app, &client, tokens["refresh_token"].as_str().unwrap()).await["error"],
        "invalid_grant"
    );
    // An ID token is no access token.
    let res = userinfo(&app, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn form_post(
    app: &TestApp,
    path: &str,
    client: &Client,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).form(form);
    if let Some(secret) = &client.secret {
        req = req.basic_auth(&client.id, Some(secret));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn revocation_ends_the_grant_and_introspection_says_so() {
    let app = spawn_app().await;
    let client = register(&app, false, &["offline_access"]).await;
    let resource = register(&app, false, &[]).await;
    let (_, tokens) = tokens_for(&app, &client, "ann@example.org", "openid offline_access").await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();

    // A resource server (a confidential client) asks whether tokens are live.
    let seen: Value = form_post(&app, "/oauth/introspect", &resource, &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["active"], true);
    assert_eq!(seen["client_id"], client.id.as_str());
    assert_eq!(seen["scope"], "openid offline_access");
    let seen: Value = form_post(&app, "/oauth/introspect", &resource, &[("token", refresh)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["active"], true);
    assert_eq!(seen["token_type"], "refresh_token");
    let seen: Value = form_post(
        &app,
        "/oauth/introspect",
        &resource,
        &[("token", "made-up")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(seen, serde_json::json!({ "active": false }));
    // Public clients may not introspect.
    let public = register(&app, true, &[]).await;
    let res = form_post(
        &app,
        "/oauth/introspect",
        &public,
        &[("token", access), ("client_id", &public.id)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Another app cannot revoke it (the same empty 200, nothing happens).
    let res = form_post(&app, "/oauth/revoke", &resource, &[("token", refresh)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    // Its own app can: the refresh token and the access token stop together.
    let res = form_post(&app, "/oauth/revoke", &client, &[("token", refresh)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let seen: Value = form_post(&app, "/oauth/introspect", &resource, &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["active"], false);
    assert_eq!(
        refreshed(&app, &client, refresh).await["error"],
        "invalid_grant"
    );
    // Unknown tokens: 200 as well (RFC 7009 §2.2); a wrong secret: 401.
    let res = form_post(&app, "/oauth/revoke", &client, &[("token", "made-up")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let impostor = Client {
        id: client.id.clone(),
        secret: Some("roster_cs_wrong".into()),
    };
    let res = form_post(&app, "/oauth/revoke", &impostor, &[("token", access)]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_person_sees_the_apps_they_allowed_and_can_revoke_access() {
    let app = spawn_app().await;
    let client = register(&app, false, &["email", "offline_access"]).await;
    let (cookie, code, verifier) = code_for(
        &app,
        &client,
        "ann@example.org",
        "openid email offline_access",
    )
    .await;
    let tokens: Value = exchange(&app, &client, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let page = app
        .get("/settings/apps", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Team wiki") && page.contains("Revoke access"),
        "{page}"
    );
    assert!(page.contains("Your email address"));
    let apps: Value = app
        .call("allowed_apps", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let id = apps[0]["id"].as_i64().unwrap().to_string();
    // Someone else cannot revoke it for her.
    let bob = app.sign_up("bob@example.org", "Bob").await;
    let res = app.call("revoke_app", &[("id", &id)], Some(&bob)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    let res = app.call("revoke_app", &[("id", &id)], Some(&cookie)).await;
    assert_eq!(location(&res).as_deref(), Some("/settings/apps?revoked=1"));
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refreshed(&app, &client, tokens["refresh_token"].as_str().unwrap()).await["error"],
        "invalid_grant"
    );
    let page = app
        .get("/settings/apps", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("No apps yet."));
    // The app must ask again.
    let (_, challenge) = pkce();
    let path = authorize_url(&client.id, REDIRECT, "openid", &challenge);
    let page = app.get(&path, Some(&cookie)).await.text().await.unwrap();
    assert!(page.contains("Allow Team wiki to use your account?"));
}

#[tokio::test]
async fn an_app_can_sign_the_person_out_of_roster_to_a_registered_address_only() {
    let app = spawn_app().await;
    let client = register_form(&app, wiki_with_logout("")).await;
    let (cookie, tokens) = tokens_for(&app, &client, "ann@example.org", "openid").await;
    let hint = tokens["id_token"].as_str().unwrap();
    let page = app
        .get(
            &format!("/oauth/logout?id_token_hint={hint}"),
            Some(&cookie),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sign out of Roster?"),
        "a GET changes nothing: {page}"
    );
    let viewer: Value = app
        .call("viewer", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(viewer, Value::Null);

    // An address the app did not register: signed out, but sent home, not there.
    let res = app
        .call(
            "oauth_logout",
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", "https://evil.example/"),
                ("state", "s1"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(location(&res).as_deref(), Some("/"));
    let viewer: Value = app
        .call("viewer", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(viewer, Value::Null, "signed out");

    let cookie = crate::common::session_cookie(
        &app.log_in("ann@example.org", crate::common::PASSWORD, None)
            .await,
    )
    .unwrap();
    let res = app
        .call(
            "oauth_logout",
            &[
                ("id_token_hint", hint),
                (
                    "post_logout_redirect_uri",
                    "https://wiki.example.org/signed-out",
                ),
                ("state", "s1"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        location(&res).as_deref(),
        Some("https://wiki.example.org/signed-out?state=s1")
    );
    let meta = discovery(&app).await;
    assert!(meta["end_session_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oauth/logout"));
}

#[tokio::test]
async fn token_lifetimes_follow_the_settings() {
    let app = crate::common::spawn_app_with(|c| {
        c.oidc_access_token_lifetime = std::time::Duration::from_secs(120);
        c.oidc_refresh_token_lifetime = std::time::Duration::from_secs(300);
    })
    .await;
    let client = register(&app, false, &["offline_access"]).await;
    let (_, tokens) = tokens_for(&app, &client, "ann@example.org", "openid offline_access").await;
    assert_eq!(tokens["expires_in"], 120);
    let access = tokens["access_token"].as_str().unwrap();
    app.clock.advance(119);
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    app.clock.advance(2);
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    app.clock.advance(300);
    assert_eq!(
        refreshed(&app, &client, tokens["refresh_token"].as_str().unwrap()).await["error"],
        "invalid_grant"
    );
}

#[tokio::test]
async fn an_apps_sign_in_asks_for_the_second_factor_too() {
    use roster::auth::factors::{code_at, step_of, DIGITS, STEP_SECONDS};
    let app = spawn_app().await;
    let client = register(&app, false, &[]).await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.call("set_up_totp", &[], Some(&cookie)).await;
    let page: Value = app
        .call("security", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let secret = page["setup"]["secret"].as_str().unwrap().replace(' ', "");
    let seed = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
    let code = |app: &TestApp| code_at(&seed, step_of(app.state.now()), DIGITS);
    let res = app
        .call("turn_on_totp", &[("code", &code(&app))], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.clock.advance(STEP_SECONDS);

    let (_, challenge) = pkce();
    let path = authorize_url(&client.id, REDIRECT, "openid", &challenge);
    let res = app.get(&path, None).await;
    let login = location(&res).unwrap();
    let next = query_of(&app.url(&login))["next"].clone();
    assert_eq!(
        query_of(&app.url(&next)),
        query_of(&app.url(&path)),
        "the same request"
    );
    let res = app
        .call(
            "log_in",
            &[
                ("email", "ann@example.org"),
                ("password", crate::common::PASSWORD),
                ("next", &next),
            ],
            None,
        )
        .await;
    assert_eq!(
        location(&res).as_deref(),
        Some("/login/verify"),
        "the factor first"
    );
    let half = crate::common::session_cookie(&res).unwrap();
    // Half signed in: the app's request still wants a sign-in.
    let res = app.get(&path, Some(&half)).await;
    assert!(location(&res).unwrap().starts_with("/login?next="));
    let res = app
        .call(
            "verify_second_factor",
            &[("code", &code(&app))],
            Some(&half),
        )
        .await;
    let back = location(&res).expect("back to the app's request");
    assert!(back.starts_with("/oauth/authorize?"), "{back}");
    assert_eq!(query_of(&app.url(&back)), query_of(&app.url(&path)));
    let signed_in = crate::common::session_cookie(&res).unwrap();
    let page = app.get(&path, Some(&signed_in)).await.text().await.unwrap();
    assert!(page.contains("Allow Team wiki to use your account?"));
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited_per_client_address() {
    let app = spawn_app().await;
    let mut limited = None;
    for n in 0..400 {
        let res = app
            .client
            .post(app.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", "nobody"),
            ])
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().get("retry-after").is_some());
            limited = Some(n);
            break;
        }
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // 300 a minute (a bucket refilling 5 a second while the loop runs), then 429.
    assert!(
        limited.is_some_and(|n| (300..340).contains(&n)),
        "{limited:?}"
    );
}

/// The `next` of a `/login?next=...` redirect, decoded.
fn next_of(login: &str) -> String {
    query_of(&format!("http://x{login}"))["next"].clone()
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_a_fresh_sign_in_and_auth_time_is_its_moment() {
    let app = spawn_app().await;
    let client = register(&app, false, &["profile"]).await;
    let (cookie, _, _) = code_for(&app, &client, "ann@example.org", "openid").await;
    let signed_up_at = app.state.now();
    app.clock.advance(120);
    let (verifier, challenge) = pkce();
    let plain = authorize_url(&client.id, REDIRECT, "openid", &challenge);

    // prompt=login: to sign in again, and back to the same request without the prompt.
    let res = app
        .get(&format!("{plain}&prompt=login"), Some(&cookie))
        .await;
    let to = location(&res).expect("sent to sign in again");
    assert!(to.starts_with("/login?next="), "{to}");
    let next = next_of(&to);
    assert!(next.starts_with("/oauth/authorize?"), "{next}");
    assert!(!next.contains("prompt"), "{next}");
    assert!(
        next.contains("nonce=n-456") && next.contains("state=st-123"),
        "{next}"
    );
    let res = app
        .get(&format!("{plain}&prompt=login+consent"), Some(&cookie))
        .await;
    assert!(next_of(&location(&res).unwrap()).contains("prompt=consent"));

    // max_age: a sign-in older than it is not enough; a younger one is.
    let res = app.get(&format!("{plain}&max_age=60"), Some(&cookie)).await;
    let to = location(&res).unwrap();
    assert!(to.starts_with("/login?next="), "{to}");
    assert!(!next_of(&to).contains("max_age"), "{to}");
    let res = app
        .get(&format!("{plain}&max_age=600"), Some(&cookie))
        .await;
    let back = location(&res).unwrap();
    assert!(query_of(&back).contains_key("code"), "{back}");

    // prompt=none cannot sign anyone in, and combines with nothing; max_age is a number.
    for (extra, error) in [
        ("&prompt=none&max_age=60", "login_required"),
        ("&prompt=none+login", "invalid_request"),
        ("&max_age=soon", "invalid_request"),
        ("&max_age=-5", "invalid_request"),
    ] {
        let res = app.get(&format!("{plain}{extra}"), Some(&cookie)).await;
        let back = location(&res).unwrap();
        assert!(back.starts_with(REDIRECT), "{extra}: {back}");
        assert_eq!(error_of(&back), error, "{extra}");
    }
    // The consent form's answer is held to the same rule.
    let stale = format!("{plain}&max_age=60");
    assert!(allow(&app, &cookie, &stale, "allow")
        .await
        .starts_with("/login?next="));

    // Signing in again replaces this browser's session (the old record ends) and the code
    // then issued says when.
    let res = app
        .log_in("ann@example.org", crate::common::PASSWORD, Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh = crate::common::session_cookie(&res).expect("a new session id");
    let signed_in_at = app.state.now();
    assert!(signed_in_at > signed_up_at);
    let sessions: i64 = app.count("user_sessions").await;
    assert_eq!(sessions, 1, "the session it replaced ended");
    app.clock.advance(10);
    let res = app.get(&next, Some(&fresh)).await;
    let back = location(&res).expect("the consent is remembered");
    let code = query_of(&back)["code"].clone();
    let tokens: Value = exchange(&app, &client, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let payload = tokens["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(
        claims["auth_time"], signed_in_at,
        "the sign-in, not the grant"
    );

    // prompt=consent asks again although the consent is remembered.
    app.clock.advance(30);
    let (_, challenge) = pkce();
    let ask = format!(
        "{}&prompt=consent",
        authorize_url(&client.id, REDIRECT, "openid", &challenge)
    );
    let page = app.get(&ask, Some(&fresh)).await.text().await.unwrap();
    assert!(
        page.contains("Allow Team wiki to use your account?"),
        "{page}"
    );
    let meta = discovery(&app).await;
    assert_eq!(
        meta["prompt_values_supported"],
        serde_json::json!(["none", "login", "consent"])
    );
}

#[tokio::test]
async fn a_client_without_offline_access_may_not_use_the_refresh_grant() {
    let app = spawn_app().await;
    let client = register(&app, false, &["profile"]).await;
    let res = token(
        &app,
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "anything"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client", "{body}");
}

#[tokio::test]
async fn a_client_may_have_its_id_tokens_signed_with_eddsa() {
    let app = spawn_app().await;
    let client = register_form(&app, wiki_with_logout("EdDSA")).await;
    let (cookie, tokens) = tokens_for(&app, &client, "ann@example.org", "openid").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);

    // It verifies against the published Ed25519 key (RFC 8037), for this client and nonce.
    let jwk = &published_key(&app, &header).await;
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    let key = jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let claims = verified(
        &app,
        &client,
        id_token,
        &key,
        jsonwebtoken::Algorithm::EdDSA,
    );
    assert_eq!(claims["nonce"], "n-456");

    // Access tokens stay RS256 (RFC 9068 §2.1) and work; the EdDSA ID token works as a
    // logout hint.
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(access).unwrap().alg,
        jsonwebtoken::Algorithm::RS256
    );
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    let target: Value = app
        .call(
            "oauth_logout_target",
            &[
                ("id_token_hint", id_token),
                (
                    "post_logout_redirect_uri",
                    "https://wiki.example.org/signed-out",
                ),
            ],
            Some(&cookie),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(target, "https://wiki.example.org/signed-out");

    let meta = discovery(&app).await;
    assert_eq!(
        meta["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256", "EdDSA"])
    );
    let refused = wiki_with_logout("HS256").parse().unwrap_err();
    assert!(refused.get("id_token_alg").is_some());
}
