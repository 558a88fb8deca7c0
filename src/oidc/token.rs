//! The token endpoint (RFC 6749 §3.2, §4.1.3, §6; RFC 7636 §4.6; OIDC Core 1.0 §3.1.3):
//! clients authenticate with `client_secret_basic` or `client_secret_post`, public clients with
//! their `client_id` and PKCE alone. An authorization code is exchanged once, within 60 s, for
//! the redirect URI and PKCE verifier it was issued with; a code used twice ends everything its
//! grant issued (RFC 9700 §4.5.3). Refresh tokens (only with `offline_access`) rotate on each
//! use; a used one coming back ends the whole grant. ID tokens and access tokens are RS256 JWTs
//! (RFC 9068 for the access token) signed by `oidc::keys`.

use axum::{
    extract::{Extension, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Form, Json,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{authorize::issuer, clients::secret_hash, keys, SigningAlg};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, Language},
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::{
        clients::{self, ClientRow},
        grants::{self, GrantRow},
        users,
    },
};

/// The longest access or ID token lifetime accepted, in seconds: as long as a rotated signing
/// key stays published (`keys::PUBLISHED_AFTER_RETIREMENT`), so every live token verifies.
pub const MAX_ACCESS_TOKEN_SECONDS: i64 = keys::PUBLISHED_AFTER_RETIREMENT;

/// A token request's form (RFC 6749 §4.1.3, §6); missing fields read as absent.
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
}

/// An error answer of RFC 6749 §5.2.
#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// The client tried HTTP Basic: the 401 names the scheme.
    pub basic: bool,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: if error == "invalid_client" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            },
            error,
            description: description.into(),
            basic: false,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response();
        if self.basic {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"roster\""),
            );
        }
        response
    }
}

impl From<AppError> for OAuthError {
    fn from(e: AppError) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: e.to_string(),
            basic: false,
        }
    }
}

/// `POST /oauth/token`.
pub async fn endpoint(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(retry_after) = state.throttle().token_request(ctx.client.ip) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            Json(json!({ "error": "slow_down", "error_description": "too many token requests" })),
        )
            .into_response();
    }
    let Ok(Form(request)) = form else {
        return OAuthError::new("invalid_request", "the body must be a form").into_response();
    };
    match answer(&state, &ctx, &headers, &request, state.now()).await {
        Ok(body) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(body),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn answer(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    request: &TokenRequest,
    now: i64,
) -> Result<Value, OAuthError> {
    let client = authenticate(state, headers, request).await?;
    match request.grant_type.as_str() {
        "authorization_code" => exchange_code(state, ctx, &client, request, now).await,
        "refresh_token" => refresh(state, ctx, &client, request, now).await,
        "" => Err(OAuthError::new("invalid_request", "grant_type is missing")),
        _ => Err(OAuthError::new(
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        )),
    }
}

/// The client of the request: HTTP Basic (RFC 6749 §2.3.1, form-encoded id and secret), or
/// `client_id` and `client_secret` in the form, or a public client's `client_id` alone.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    request: &TokenRequest,
) -> Result<ClientRow, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let refused = |basic: bool| OAuthError {
        basic,
        ..OAuthError::new("invalid_client", "client authentication failed")
    };
    let (id, secret, by_basic) = match basic {
        Some(encoded) => {
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| refused(true))?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| refused(true))?;
            let unescape = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (unescape(id), Some(unescape(secret)), true)
        }
        None => (
            request.client_id.clone().unwrap_or_default(),
            request.client_secret.clone(),
            false,
        ),
    };
    let client = clients::by_client_id(state.pool(), &id)
        .await?
        .filter(|c| c.disabled_at.is_none())
        .ok_or_else(|| refused(by_basic))?;
    match (&client.secret_hash, secret) {
        (Some(stored), Some(given)) if constant_time_eq(stored, &secret_hash(&given)) => Ok(client),
        (None, None) => Ok(client),
        _ => Err(refused(by_basic)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `verifier` (RFC 7636 §4.1: 43 to 128 unreserved characters) hashes to `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    shaped && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

async fn exchange_code(
    state: &AppState,
    ctx: &RequestContext,
    client: &ClientRow,
    request: &TokenRequest,
    now: i64,
) -> Result<Value, OAuthError> {
    let code = request
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::new("invalid_request", "code is missing"))?;
    let bad = |why: &str| OAuthError::new("invalid_grant", why.to_string());
    let hash = Sha256::digest(code.as_bytes());
    let row = match grants::use_code(state.pool(), &hash, now).await? {
        Ok(row) => row,
        Err(Some(grant)) => {
            end_grant(state, ctx, grant, "authorization code used twice", now).await?;
            return Err(bad("the code was used already; what it issued is revoked"));
        }
        Err(None) => return Err(bad("unknown code")),
    };
    if row.expires_at <= now {
        return Err(bad("the code has expired"));
    }
    let grant = live_grant(state, row.grant_id, client).await?;
    if request.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(bad("redirect_uri differs from the authorization request's"));
    }
    let verifier = request.code_verifier.as_deref().unwrap_or("");
    if !pkce_matches(verifier, &row.code_challenge) {
        return Err(bad("the PKCE code_verifier does not match"));
    }
    issue(state, ctx, client, &grant, true, "authorization_code", now).await
}

async fn refresh(
    state: &AppState,
    ctx: &RequestContext,
    client: &ClientRow,
    request: &TokenRequest,
    now: i64,
) -> Result<Value, OAuthError> {
    let token = request
        .refresh_token
        .as_deref()
        .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is missing"))?;
    // RFC 6749 §5.2: a client that may not hold refresh tokens (no offline_access among its
    // allowed scopes) is not authorized to use this grant type.
    if !client
        .scopes
        .split_whitespace()
        .any(|s| s == "offline_access")
    {
        return Err(OAuthError::new(
            "unauthorized_client",
            "this client may not use refresh tokens (offline_access is not among its scopes)",
        ));
    }
    let bad = |why: &str| OAuthError::new("invalid_grant", why.to_string());
    let hash = Sha256::digest(token.as_bytes());
    let (grant_id, expires_at) = match grants::use_refresh_token(state.pool(), &hash, now).await? {
        Ok(found) => found,
        Err(Some(grant)) => {
            end_grant(state, ctx, grant, "refresh token used twice", now).await?;
            return Err(bad(
                "the refresh token was used already; the grant is revoked",
            ));
        }
        Err(None) => return Err(bad("unknown refresh token")),
    };
    if expires_at <= now {
        return Err(bad("the refresh token has expired"));
    }
    let grant = live_grant(state, grant_id, client).await?;
    issue(state, ctx, client, &grant, true, "refresh_token", now).await
}

/// Grant `id`, when it belongs to `client`, is not revoked, and its person is active.
pub async fn live_grant(
    state: &AppState,
    id: i64,
    client: &ClientRow,
) -> Result<GrantRow, OAuthError> {
    let bad = |why: &str| OAuthError::new("invalid_grant", why.to_string());
    let grant = grants::grant(state.pool(), id)
        .await?
        .ok_or_else(|| bad("unknown grant"))?;
    if grant.client_id != client.id {
        return Err(bad("issued to another client"));
    }
    if grant.revoked_at.is_some() {
        return Err(bad("the grant was revoked"));
    }
    let active = users::credentials(state.pool(), users::Account::Id(grant.user_id))
        .await?
        .is_some_and(|c| c.status == AccountStatus::Active);
    if !active {
        return Err(bad("the account is disabled or gone"));
    }
    Ok(grant)
}

/// Ends grant `id` (a replayed code or refresh token), audited.
pub async fn end_grant(
    state: &AppState,
    ctx: &RequestContext,
    id: i64,
    why: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let user = grants::grant(&mut tx, id).await?.map(|g| g.user_id);
    if grants::revoke_grant(&mut tx, id, now).await? {
        let event = AuditEvent::new(AuditAction::OidcGrantRevoked, None, user, ctx)
            .with("grant_id", id)
            .with("reason", why);
        record(&mut tx, &event, now).await?;
    }
    tx.commit().await.or_internal()
}

/// The claims the scopes of `grant` share about its person (OIDC Core 1.0 §5.1, §5.4): `sub`
/// always; `name`, `zoneinfo`, `locale`, `website`, `updated_at` with `profile`; `email`,
/// `email_verified` with `email`.
///
/// Errors: `Internal` when a query fails; `NotFound` when the person is gone.
pub async fn claims(
    state: &AppState,
    user_id: i64,
    scopes: &str,
) -> Result<Map<String, Value>, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let subject = grants::subject(&mut tx, user_id).await?;
    let user = users::record(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await.or_internal()?;
    let mut claims = Map::new();
    claims.insert("sub".into(), subject.into());
    let has = |s: &str| scopes.split_whitespace().any(|x| x == s);
    if has("profile") {
        claims.insert("name".into(), user.display_name.into());
        claims.insert("zoneinfo".into(), user.time_zone.into());
        // The "Language" setting (a BCP 47 tag, OIDC Core 1.0 §5.1); English, the pages'
        // default, when the person left it to the browser or stored a tag this build lacks.
        let language = user.language.as_deref().and_then(Language::from_tag);
        let locale = language.map_or(Language::English.tag(), Language::tag);
        claims.insert("locale".into(), locale.into());
        if !user.website.is_empty() {
            claims.insert("website".into(), user.website.into());
        }
        claims.insert(
            "updated_at".into(),
            user.profile_updated_at.max(user.updated_at).into(),
        );
    }
    if has("email") {
        claims.insert("email".into(), user.email.into());
        claims.insert(
            "email_verified".into(),
            user.email_verified_at.is_some().into(),
        );
    }
    Ok(claims)
}

/// Signs an access token (and an ID token), makes a new refresh token with `offline_access`,
/// audits the issue; the token response (RFC 6749 §5.1, OIDC Core 1.0 §3.1.3.3).
async fn issue(
    state: &AppState,
    ctx: &RequestContext,
    client: &ClientRow,
    grant: &GrantRow,
    id_token: bool,
    how: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let lifetime = (state.config().oidc_access_token_lifetime.as_secs() as i64)
        .clamp(1, MAX_ACCESS_TOKEN_SECONDS);
    let refresh_lifetime = state.config().oidc_refresh_token_lifetime.as_secs() as i64;
    let signer = keys::signer(state, SigningAlg::Rs256, now).await?;
    let iss = issuer(state);
    let claims = claims(state, grant.user_id, &grant.scopes).await?;
    let sub = claims.get("sub").cloned().unwrap_or(Value::Null);
    let mut jti = [0u8; 16];
    OsRng.fill_bytes(&mut jti);
    let access = json!({
        "iss": iss, "sub": sub, "aud": client.client_id, "client_id": client.client_id,
        "scope": grant.scopes, "iat": now, "exp": now + lifetime,
        "jti": URL_SAFE_NO_PAD.encode(jti), "gid": grant.id,
    });
    let mut access_header = signer.header();
    access_header.typ = Some("at+jwt".into());
    let access_token = jsonwebtoken::encode(&access_header, &access, &signer.key)
        .map_err(|e| crate::error::internal(e.to_string()))?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": grant.scopes,
    });
    if id_token {
        let mut id = claims;
        id.insert("iss".into(), iss.into());
        id.insert("aud".into(), client.client_id.clone().into());
        id.insert("azp".into(), client.client_id.clone().into());
        id.insert("iat".into(), now.into());
        id.insert("exp".into(), (now + lifetime).into());
        id.insert("auth_time".into(), grant.auth_time.into());
        if let Some(nonce) = &grant.nonce {
            id.insert("nonce".into(), nonce.clone().into());
        }
        // at_hash: the left half of SHA-256 of the access token (OIDC Core 1.0 §3.1.3.6).
        let digest = Sha256::digest(access_token.as_bytes());
        id.insert(
            "at_hash".into(),
            URL_SAFE_NO_PAD.encode(&digest[..16]).into(),
        );
        // The client's choice of algorithm (an unknown stored name reads as RS256).
        let alg = SigningAlg::parse(&client.id_token_alg).unwrap_or_default();
        let id_signer = match alg {
            SigningAlg::Rs256 => signer,
            other => keys::signer(state, other, now).await?,
        };
        let id_token =
            jsonwebtoken::encode(&id_signer.header(), &Value::Object(id), &id_signer.key)
                .map_err(|e| crate::error::internal(e.to_string()))?;
        body["id_token"] = id_token.into();
    }
    if grant
        .scopes
        .split_whitespace()
        .any(|s| s == "offline_access")
    {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let refresh = URL_SAFE_NO_PAD.encode(bytes);
        grants::add_refresh_token(
            state.pool(),
            &Sha256::digest(refresh.as_bytes()),
            grant.id,
            now,
            now.saturating_add(refresh_lifetime),
        )
        .await?;
        body["refresh_token"] = refresh.into();
    }
    let event = AuditEvent::new(AuditAction::OidcTokenIssued, None, Some(grant.user_id), ctx)
        .with("client_id", client.client_id.as_str())
        .with("grant_type", how)
        .with("grant_id", grant.id);
    record(state.pool(), &event, now).await?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B's verifier and challenge.
    #[test]
    fn pkce_s256_matches_rfc_7636s_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
