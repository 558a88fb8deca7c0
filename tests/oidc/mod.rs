//! The OpenID Connect provider's foundations (`shared/SECURITY.md`, OpenID Connect; Keys and
//! secrets at rest): registering clients from the command line (secrets shown once, stored as
//! SHA-256), and the signing keys (sealed at rest, published in the JWKS, a rotated key kept
//! there while its tokens may live).

use std::process::Command;

use reqwest::StatusCode;
use roster::{oidc::SigningAlg, server::db::query};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::{spawn_app, BIN};

mod admin;
mod flow;

/// `roster <args>` on the SQLite database `db` with the key file `key`.
fn roster(db: &str, key: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("ROSTER_DATABASE_URL", db)
        .env("ROSTER_SECRET_KEY_FILE", key)
        .env("ROSTER_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn roster_client_create_prints_the_id_and_the_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.db");
    let db = format!("sqlite://{}", file.display());
    let key = dir.path().join("secret.key");
    let out = roster(
        &db,
        &key,
        &[
            "client",
            "create",
            "--name",
            "Team wiki",
            "--redirect-uri",
            "https://wiki.example.org/oauth2/callback",
            "--redirect-uri",
            "http://localhost:4180/oauth2/callback",
            "--post-logout-redirect-uri",
            "https://wiki.example.org/",
            "--scope",
            "email",
            "--scope",
            "offline_access",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let client_id = lines[0].strip_prefix("client_id=").expect("client_id line");
    let secret = lines[1]
        .strip_prefix("client_secret=")
        .expect("secret line");
    assert_eq!(client_id.len(), 32);
    assert!(
        secret.starts_with("roster_cs_") && secret.len() == 10 + 43,
        "{secret}"
    );

    let pool = roster::server::db::open(&db).await.unwrap();
    #[derive(sqlx::FromRow)]
    struct Row {
        secret_hash: Option<Vec<u8>>,
        redirect_uris: String,
        post_logout_redirect_uris: String,
        scopes: String,
    }
    let row: Row = query(
        "SELECT secret_hash, redirect_uris, post_logout_redirect_uris, scopes \
         FROM oauth_clients WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        row.secret_hash.as_deref(),
        Some(Sha256::digest(secret.as_bytes()).as_slice()),
        "only the SHA-256 is kept"
    );
    assert_eq!(
        row.redirect_uris,
        "https://wiki.example.org/oauth2/callback\nhttp://localhost:4180/oauth2/callback"
    );
    assert_eq!(row.post_logout_redirect_uris, "https://wiki.example.org/");
    assert_eq!(row.scopes, "openid email offline_access");
    let audited: i64 =
        query("SELECT COUNT(*) FROM audit_events WHERE action = 'oidc.client_created'")
            .scalar(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // A public client has no secret.
    let out = roster(
        &db,
        &key,
        &[
            "client",
            "create",
            "--name",
            "CLI",
            "--redirect-uri",
            "http://127.0.0.1:8400/cb",
            "--public",
            "--id-token-alg",
            "EdDSA",
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("client_id="));
    let alg: String = query("SELECT id_token_alg FROM oauth_clients WHERE client_id = $1")
        .bind(text.trim().trim_start_matches("client_id="))
        .scalar(&pool)
        .await
        .unwrap();
    assert_eq!(alg, "EdDSA");

    // Bad input is refused with the rule, and nothing is stored.
    for bad in [
        vec!["--name", "Evil", "--redirect-uri", "http://evil.example/cb"],
        vec!["--name", "Frag", "--redirect-uri", "https://a.example/cb#x"],
        vec![
            "--name",
            "Scope",
            "--redirect-uri",
            "https://a.example/cb",
            "--scope",
            "admin",
        ],
        vec![
            "--name",
            "Alg",
            "--redirect-uri",
            "https://a.example/cb",
            "--id-token-alg",
            "HS256",
        ],
    ] {
        let mut args = vec!["client", "create"];
        args.extend(bad);
        let out = roster(&db, &key, &args);
        assert!(!out.status.success());
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
    let clients: i64 = query("SELECT COUNT(*) FROM oauth_clients")
        .scalar(&pool)
        .await
        .unwrap();
    assert_eq!(clients, 2);
}

/// The `kid`s of a key set, in its order.
fn kids_of(set: &Value) -> Vec<&str> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_jwks_publishes_the_signing_key_and_keeps_a_rotated_one_a_day() {
    let app = spawn_app().await;
    let res = app.get("/oauth/jwks.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/jwk-set+json"
    );
    let set: Value = res.json().await.unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "one of each algorithm, made on first use");
    let rsa = keys.iter().find(|k| k["alg"] == "RS256").unwrap();
    let first = rsa["kid"].as_str().unwrap().to_string();
    assert_eq!(rsa["kty"], "RSA");
    let ed = keys.iter().find(|k| k["alg"] == "EdDSA").unwrap();
    let ed_kid = ed["kid"].as_str().unwrap().to_string();
    assert_eq!((&ed["kty"], &ed["crv"]), (&json!("OKP"), &json!("Ed25519")));
    for key in keys {
        assert!(key.get("d").is_none(), "no private part: {key}");
    }
    let sealed: Vec<String> = query("SELECT private_key FROM signing_keys")
        .scalars(&app.pool)
        .await
        .unwrap();
    assert!(
        sealed.iter().all(|s| s.starts_with("v1.k1.")),
        "sealed at rest"
    );

    // A token signed before a rotation still verifies against the published set.
    let signer = roster::oidc::keys::signer(&app.state, SigningAlg::Rs256, app.state.now())
        .await
        .unwrap();
    assert_eq!(signer.kid, first);
    let token = jsonwebtoken::encode(
        &signer.header(),
        &serde_json::json!({ "sub": "s", "aud": "a", "exp": app.state.now() + 600 }),
        &signer.key,
    )
    .unwrap();
    let keyring = app.state.keyring().unwrap();
    let second = roster::oidc::keys::rotate(&app.pool, keyring, SigningAlg::Rs256, app.state.now())
        .await
        .unwrap();
    assert_ne!(second, first);
    let set: Value = app
        .get("/oauth/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    let kids = kids_of(&set);
    assert_eq!(
        kids,
        [second.as_str(), ed_kid.as_str(), first.as_str()],
        "newest first, the old one kept, the other algorithm's untouched"
    );
    let old = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == first.as_str())
        .unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        old["n"].as_str().unwrap(),
        old["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&["a"]);
    assert!(jsonwebtoken::decode::<Value>(&token, &key, &validation).is_ok());
    let now_signing = roster::oidc::keys::signer(&app.state, SigningAlg::Rs256, app.state.now())
        .await
        .unwrap();
    assert_eq!(now_signing.kid, second, "only the new key signs");

    // A day later the retired key is gone from the set.
    app.clock
        .advance(roster::oidc::keys::PUBLISHED_AFTER_RETIREMENT + 1);
    let set: Value = app
        .get("/oauth/jwks.json", None)
        .await
        .json()
        .await
        .unwrap();
    let kids = kids_of(&set);
    assert_eq!(kids, [second.as_str(), ed_kid.as_str()]);

    // Rotating the data key reseals the signing keys too, and they still sign.
    let rotated = roster::store::data_keys::rotate(&app.pool, keyring, app.state.now())
        .await
        .unwrap();
    assert_eq!(rotated.resealed, 3);
    for (alg, kid) in [(SigningAlg::Rs256, &second), (SigningAlg::EdDsa, &ed_kid)] {
        let after = roster::oidc::keys::signer(&app.state, alg, app.state.now())
            .await
            .unwrap();
        assert_eq!(&after.kid, kid);
    }
}
