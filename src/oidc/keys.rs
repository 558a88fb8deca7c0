//! The keys that sign ID and access tokens, one of each [`SigningAlg`] signing at a time: RSA
//! 2048 for RS256 (the algorithm every OpenID Connect relying party must accept; OIDC Core 1.0
//! §15.1) and Ed25519 for EdDSA (RFC 8037), made by Roster on first use and by
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

use super::SigningAlg;
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

/// The key that signs now for one algorithm.
pub struct Signer {
    pub kid: String,
    pub alg: SigningAlg,
    pub key: jsonwebtoken::EncodingKey,
}

impl Signer {
    /// A JWS header naming this key and its algorithm.
    pub fn header(&self) -> jsonwebtoken::Header {
        let mut header = jsonwebtoken::Header::new(jwa(self.alg));
        header.kid = Some(self.kid.clone());
        header
    }
}

/// `alg` as `jsonwebtoken` names it.
pub fn jwa(alg: SigningAlg) -> jsonwebtoken::Algorithm {
    match alg {
        SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
        SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
    }
}

/// The key that signs now with `alg`, made first if there is none.
///
/// Errors: `Internal` when the key does not open or a query fails.
pub async fn signer(state: &AppState, alg: SigningAlg, now: i64) -> Result<Signer, AppError> {
    let keyring = state.keyring()?;
    let row = match store::active_key(state.pool(), alg.as_str()).await? {
        Some(row) => row,
        None => {
            rotate(state.pool(), keyring, alg, now).await?;
            store::active_key(state.pool(), alg.as_str())
                .await?
                .ok_or_else(|| crate::error::internal("no signing key after making one"))?
        }
    };
    let place = data_keys::context("signing_keys", "private_key", row.id);
    let der = keyring
        .open(&place, &row.private_key)
        .map_err(|e| crate::error::internal(e.to_string()))?;
    let key = match alg {
        SigningAlg::Rs256 => jsonwebtoken::EncodingKey::from_rsa_der(&der),
        SigningAlg::EdDsa => jsonwebtoken::EncodingKey::from_ed_der(&der),
    };
    Ok(Signer {
        kid: row.kid,
        alg,
        key,
    })
}

/// Makes a new `alg` signing key (on the blocking pool: RSA key generation takes a moment),
/// seals and stores it, and retires the one of that algorithm before. Returns its `kid`.
///
/// Errors: `Internal` when generation or a write fails.
pub async fn rotate(
    db: &Db,
    keyring: &Keyring,
    alg: SigningAlg,
    now: i64,
) -> Result<String, AppError> {
    let (der, jwk, kid) = tokio::task::spawn_blocking(move || generate(alg))
        .await
        .or_internal()?
        .map_err(crate::error::internal)?;
    let mut tx = begin_write(db).await?;
    store::add_key(
        &mut tx,
        alg.as_str(),
        &kid,
        &jwk,
        |id| keyring.seal(&data_keys::context("signing_keys", "private_key", id), &der),
        now,
    )
    .await?;
    tx.commit().await.or_internal()?;
    tracing::info!(kid, alg = alg.as_str(), "new token signing key");
    Ok(kid)
}

/// `roster keys rotate-signing`: a new key of every algorithm. Returns their `kid`s.
///
/// Errors: as [`rotate`].
pub async fn rotate_all(db: &Db, keyring: &Keyring, now: i64) -> Result<Vec<String>, AppError> {
    let mut kids = Vec::new();
    for alg in SigningAlg::ALL {
        kids.push(rotate(db, keyring, alg, now).await?);
    }
    Ok(kids)
}

/// A new key: its private half (PKCS#1 DER for RSA, PKCS#8 DER for Ed25519), its public JWK
/// (JSON) and its `kid`.
fn generate(alg: SigningAlg) -> Result<(Vec<u8>, String, String), String> {
    match alg {
        SigningAlg::Rs256 => generate_rsa(),
        SigningAlg::EdDsa => generate_ed25519(),
    }
}

fn generate_rsa() -> Result<(Vec<u8>, String, String), String> {
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

/// An Ed25519 key (RFC 8037 §2: `kty` OKP, `crv` Ed25519, the public key as `x`).
fn generate_ed25519() -> Result<(Vec<u8>, String, String), String> {
    use ring::signature::{Ed25519KeyPair, KeyPair};
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
        .map_err(|e| e.to_string())?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|e| e.to_string())?;
    let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    let kid = okp_thumbprint(&x);
    let jwk = serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid, "x": x,
    });
    Ok((pkcs8.as_ref().to_vec(), jwk.to_string(), kid))
}

/// The RFC 7638 thumbprint of an RSA public key: SHA-256 of its required members in
/// lexicographic order, without spaces, base64url.
pub fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The RFC 7638 thumbprint of an Ed25519 public key `x` (RFC 8037 §2: members `crv`, `kty`,
/// `x`).
pub fn okp_thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// What verifies a signature of the published key `jwk`: its key and algorithm. `None` for a
/// JWK that is not one of ours.
pub fn decoding_key(
    jwk: &serde_json::Value,
) -> Option<(jsonwebtoken::DecodingKey, jsonwebtoken::Algorithm)> {
    match (jwk["kty"].as_str(), jwk["alg"].as_str()) {
        (Some("RSA"), Some("RS256")) => {
            let key = jsonwebtoken::DecodingKey::from_rsa_components(
                jwk["n"].as_str()?,
                jwk["e"].as_str()?,
            )
            .ok()?;
            Some((key, jsonwebtoken::Algorithm::RS256))
        }
        (Some("OKP"), Some("EdDSA")) if jwk["crv"] == "Ed25519" => {
            let key = jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str()?).ok()?;
            Some((key, jsonwebtoken::Algorithm::EdDSA))
        }
        _ => None,
    }
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

/// `GET /oauth/jwks.json`: [`jwks`], a key of each algorithm made first if there is none. Cacheable for five
/// minutes; a relying party that meets an unknown `kid` after a rotation fetches the set again
/// (OIDC Core 1.0 §10.1.1), and a retired key stays in it for a day.
pub async fn jwks_endpoint(State(state): State<AppState>) -> Response {
    let now = state.now();
    let answer = async {
        for alg in SigningAlg::ALL {
            if store::active_key(state.pool(), alg.as_str())
                .await?
                .is_none()
            {
                rotate(state.pool(), state.keyring()?, alg, now).await?;
            }
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

    /// RFC 8037 Appendix A.3's example Ed25519 key and thumbprint.
    #[test]
    fn the_okp_thumbprint_is_rfc_8037s() {
        assert_eq!(
            okp_thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn a_new_ed25519_key_signs_what_its_jwk_verifies() {
        let (der, jwk, kid) = generate(SigningAlg::EdDsa).unwrap();
        let jwk: serde_json::Value = serde_json::from_str(&jwk).unwrap();
        assert_eq!(jwk["kid"], kid.as_str());
        assert_eq!(jwk["crv"], "Ed25519");
        let signer = Signer {
            kid,
            alg: SigningAlg::EdDsa,
            key: jsonwebtoken::EncodingKey::from_ed_der(&der),
        };
        let claims = serde_json::json!({ "sub": "x", "exp": 4_000_000_000u64, "aud": "a" });
        let token = jsonwebtoken::encode(&signer.header(), &claims, &signer.key).unwrap();
        let (key, alg) = decoding_key(&jwk).unwrap();
        assert_eq!(alg, jsonwebtoken::Algorithm::EdDSA);
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_audience(&["a"]);
        let decoded = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(decoded.claims["sub"], "x");
        let (other, _, _) = generate(SigningAlg::EdDsa).unwrap();
        let forged = jsonwebtoken::encode(
            &signer.header(),
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(&other),
        )
        .unwrap();
        assert!(jsonwebtoken::decode::<serde_json::Value>(&forged, &key, &validation).is_err());
    }

    #[test]
    fn a_new_key_signs_what_its_jwk_verifies() {
        let (der, jwk, kid) = generate(SigningAlg::Rs256).unwrap();
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
