//! The keys that sign ID and access tokens: RSA 2048 (RS256, the algorithm every OpenID
//! Connect relying party must accept; OIDC Core 1.0 §15.1), made by Roster on first use and by
//! `roster keys rotate-signing`, the private half sealed with a data key
//! (`server::keyring`), the public half published at `/oauth/jwks.json` (RFC 7517) under a
//! `kid` that is its RFC 7638 thumbprint. A rotated key signs no more but stays published for
//! [`PUBLISHED_AFTER_RETIREMENT`], longer than any token it signed lives.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use crate::{
    error::{AppError, OrInternal},
    server::{
        db::{begin_write, Db},
        keyring::Keyring,
        AppState,
    },
    store::{clients as store, data_keys},
};

/// Bits of a new RSA key.
pub const KEY_BITS: usize = 2048;
/// How long a retired key stays in the JWKS, in seconds (a day; tokens live minutes).
pub const PUBLISHED_AFTER_RETIREMENT: i64 = 24 * 3600;

/// The key that signs now.
pub struct Signer {
    pub kid: String,
    pub key: jsonwebtoken::EncodingKey,
}

/// The key that signs now, made first if there is none.
///
/// Errors: `Internal` when the key does not open or a query fails.
pub async fn signer(state: &AppState, now: i64) -> Result<Signer, AppError> {
    let keyring = state.keyring()?;
    let row = match store::active_key(state.pool()).await? {
        Some(row) => row,
        None => {
            rotate(state.pool(), keyring, now).await?;
            store::active_key(state.pool())
                .await?
                .ok_or_else(|| crate::error::internal("no signing key after making one"))?
        }
    };
    let place = data_keys::context("signing_keys", "private_key", row.id);
    let der = keyring
        .open(&place, &row.private_key)
        .map_err(|e| crate::error::internal(e.to_string()))?;
    Ok(Signer {
        kid: row.kid,
        key: jsonwebtoken::EncodingKey::from_rsa_der(&der),
    })
}

/// Makes a new signing key (on the blocking pool: RSA key generation takes a moment), seals and
/// stores it, and retires the one before. Returns its `kid`.
///
/// Errors: `Internal` when generation or a write fails.
pub async fn rotate(db: &Db, keyring: &Keyring, now: i64) -> Result<String, AppError> {
    let (der, jwk, kid) = tokio::task::spawn_blocking(generate)
        .await
        .or_internal()?
        .map_err(crate::error::internal)?;
    let mut tx = begin_write(db).await?;
    store::add_key(
        &mut tx,
        &kid,
        &jwk,
        |id| keyring.seal(&data_keys::context("signing_keys", "private_key", id), &der),
        now,
    )
    .await?;
    tx.commit().await.or_internal()?;
    tracing::info!(kid, "new token signing key");
    Ok(kid)
}

/// A new key: its PKCS#1 DER private half, its public JWK (JSON) and its `kid`.
fn generate() -> Result<(Vec<u8>, String, String), String> {
    use argon2::password_hash::rand_core::OsRng;
    use rsa::{pkcs1::EncodeRsaPrivateKey, traits::PublicKeyParts, RsaPrivateKey};
    let key = RsaPrivateKey::new(&mut OsRng, KEY_BITS).map_err(|e| e.to_string())?;
    let der = key
        .to_pkcs1_der()
        .map_err(|e| e.to_string())?
        .as_bytes()
        .to_vec();
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let kid = thumbprint(&n, &e);
    let jwk = serde_json::json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e,
    });
    Ok((der, jwk.to_string(), kid))
}

/// The RFC 7638 thumbprint of an RSA public key: SHA-256 of its required members in
/// lexicographic order, without spaces, base64url.
pub fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The JSON Web Key Set: the key that signs and those retired within
/// [`PUBLISHED_AFTER_RETIREMENT`], newest first.
///
/// Errors: `Internal` when the query fails.
pub async fn jwks(db: &Db, now: i64) -> Result<serde_json::Value, AppError> {
    let keys: Vec<serde_json::Value> = store::published_keys(db, now - PUBLISHED_AFTER_RETIREMENT)
        .await?
        .into_iter()
        .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
        .collect();
    Ok(serde_json::json!({ "keys": keys }))
}

/// `GET /oauth/jwks.json`: [`jwks`], a key made first if there is none. Cacheable for five
/// minutes; a relying party that meets an unknown `kid` after a rotation fetches the set again
/// (OIDC Core 1.0 §10.1.1), and a retired key stays in it for a day.
pub async fn jwks_endpoint(State(state): State<AppState>) -> Response {
    let now = state.now();
    let answer = async {
        if store::active_key(state.pool()).await?.is_none() {
            rotate(state.pool(), state.keyring()?, now).await?;
        }
        jwks(state.pool(), now).await
    }
    .await;
    match answer {
        Ok(set) => (
            [
                (header::CONTENT_TYPE, "application/jwk-set+json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            Json(set),
        )
            .into_response(),
        Err(e) => crate::auth::passkeys::json_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 §3.1's example key and thumbprint.
    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn a_new_key_signs_what_its_jwk_verifies() {
        let (der, jwk, kid) = generate().unwrap();
        let jwk: serde_json::Value = serde_json::from_str(&jwk).unwrap();
        assert_eq!(jwk["kid"], kid.as_str());
        assert_eq!(jwk["alg"], "RS256");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid);
        let claims = serde_json::json!({ "sub": "x", "exp": 4_000_000_000u64, "aud": "a" });
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_der(&der),
        )
        .unwrap();
        let key = jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&["a"]);
        let decoded = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(decoded.claims["sub"], "x");
    }
}
