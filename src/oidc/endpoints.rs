//! The provider's plain JSON endpoints: discovery (OpenID Connect Discovery 1.0 §4) and
//! userinfo (OIDC Core 1.0 §5.3), with the access-token check they and later introspection
//! share: an RS256 JWT of ours, unexpired, whose grant is live, whose person is active and
//! whose client is enabled — so revoking or disabling takes effect at once, not at expiry.

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{authorize::issuer, keys, token::claims, OidcScope, SigningAlg};
use crate::{
    domain::AccountStatus,
    error::AppError,
    paths,
    server::AppState,
    store::{clients, grants, users},
};

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(state): State<AppState>) -> Response {
    let iss = issuer(&state);
    let url = |path: &str| format!("{iss}{path}");
    let body = json!({
        "issuer": iss,
        "authorization_endpoint": url(paths::OAUTH_AUTHORIZE),
        "token_endpoint": url(paths::OAUTH_TOKEN),
        "userinfo_endpoint": url(paths::OAUTH_USERINFO),
        "revocation_endpoint": url(paths::OAUTH_REVOKE),
        "introspection_endpoint": url(paths::OAUTH_INTROSPECT),
        "end_session_endpoint": url(paths::OAUTH_LOGOUT),
        "revocation_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post"],
        "jwks_uri": url(paths::OAUTH_JWKS),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported":
            SigningAlg::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": OidcScope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name",
            "zoneinfo", "locale", "website", "updated_at", "email", "email_verified"],
        "authorization_response_iss_parameter_supported": true,
        "prompt_values_supported": ["none", "login", "consent"],
    });
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response()
}

/// What checks a JWT of this provider: its header's `typ`, the published key its `kid` names,
/// and its algorithm (RS256 or EdDSA) with this issuer (audience and expiry are the caller's to check, expiry against
/// the configured clock rather than the system's). `None` when no published key fits.
async fn verifier(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<
    Option<(
        Option<String>,
        jsonwebtoken::DecodingKey,
        jsonwebtoken::Validation,
    )>,
    AppError,
> {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(None);
    };
    let set = keys::jwks(state.pool(), now).await?;
    let Some(jwk) = set["keys"].as_array().and_then(|keys| {
        keys.iter()
            .find(|k| k["kid"].as_str() == header.kid.as_deref())
    }) else {
        return Ok(None);
    };
    let Some((key, alg)) = keys::decoding_key(jwk) else {
        return Ok(None);
    };
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_issuer(&[issuer(state)]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    Ok(Some((header.typ, key, validation)))
}

/// What a live access token says.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    /// The grant it came from.
    pub gid: i64,
}

/// `token` as a live access token of this provider at `now`: signature by a published key,
/// issuer, expiry, then the grant, the person and the client as they are now.
///
/// Errors: `Ok(None)` for anything else; `Internal` when a query fails.
pub async fn live_access_token(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<(AccessClaims, i64)>, AppError> {
    let Some((typ, key, validation)) = verifier(state, token, now).await? else {
        return Ok(None);
    };
    if typ.as_deref() != Some("at+jwt") {
        return Ok(None); // an ID token is no access token
    }
    let Ok(data) = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation) else {
        return Ok(None);
    };
    let claims = data.claims;
    if claims.exp <= now {
        return Ok(None);
    }
    let Some(grant) = grants::grant(state.pool(), claims.gid).await? else {
        return Ok(None);
    };
    if grant.revoked_at.is_some() {
        return Ok(None);
    }
    let client = clients::by_client_id(state.pool(), &claims.client_id).await?;
    if !client.is_some_and(|c| c.disabled_at.is_none() && c.id == grant.client_id) {
        return Ok(None);
    }
    let active = users::credentials(state.pool(), users::Account::Id(grant.user_id))
        .await?
        .is_some_and(|c| c.status == AccountStatus::Active);
    if !active {
        return Ok(None);
    }
    Ok(Some((claims, grant.user_id)))
}

/// The client (`aud`) of an ID token this provider signed, expired or not (an
/// `id_token_hint`, OpenID Connect RP-Initiated Logout 1.0 §2).
///
/// Errors: `Ok(None)` for a token that is not ours; `Internal` when a query fails.
pub async fn id_token_client(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<Option<String>, AppError> {
    let Some((_, key, validation)) = verifier(state, token, now).await? else {
        return Ok(None);
    };
    Ok(jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()
        .and_then(|d| d.claims["aud"].as_str().map(str::to_string)))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// `GET`/`POST /oauth/userinfo` with `Authorization: Bearer <access token>`: the claims its
/// scopes share.
pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let now = state.now();
    let refused = || {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            Json(json!({ "error": "invalid_token" })),
        )
            .into_response()
    };
    let Some(token) = bearer(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({ "error": "invalid_request" })),
        )
            .into_response();
    };
    let checked = match live_access_token(&state, token, now).await {
        Ok(Some(checked)) => checked,
        Ok(None) => return refused(),
        Err(e) => return crate::auth::passkeys::json_error(e),
    };
    let (claims, user_id) = checked;
    match self::claims(&state, user_id, &claims.scope).await {
        Ok(map) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(Value::Object(map)),
        )
            .into_response(),
        Err(e) => crate::auth::passkeys::json_error(e),
    }
}
