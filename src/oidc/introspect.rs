//! Token revocation (RFC 7009) and introspection (RFC 7662). Revoking a refresh token or an
//! access token ends the grant it came from, so everything issued with it stops at once;
//! unknown or foreign tokens get the same empty 200, as RFC 7009 §2.2 asks. Introspection is
//! for confidential clients (resource servers): a token is active only while its grant is
//! live, its person active and its client enabled.

use axum::{
    extract::{Extension, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Form, Json,
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    authorize::issuer,
    endpoints::live_access_token,
    token::{authenticate, end_grant, live_grant, OAuthError, TokenRequest},
};
use crate::{error::AppError, request::RequestContext, server::AppState, store::grants};

/// The form of `/oauth/revoke` and `/oauth/introspect`.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub token: String,
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl TokenForm {
    fn credentials(&self) -> TokenRequest {
        TokenRequest {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            ..TokenRequest::default()
        }
    }
}

/// The grant `token` (a refresh token, or an access token of ours) belongs to.
async fn grant_of(state: &AppState, token: &str, now: i64) -> Result<Option<i64>, AppError> {
    if let Some(row) =
        grants::refresh_token(state.pool(), &Sha256::digest(token.as_bytes())).await?
    {
        return Ok(Some(row.grant_id));
    }
    Ok(live_access_token(state, token, now)
        .await?
        .map(|(claims, _)| claims.gid))
}

/// `POST /oauth/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return OAuthError::new("invalid_request", "the body must be a form").into_response();
    };
    let now = state.now();
    let answer = async {
        let client = authenticate(&state, &headers, &form.credentials()).await?;
        if let Some(grant) = grant_of(&state, &form.token, now).await? {
            // Only the client the grant was issued to may revoke it.
            let own = grants::grant(state.pool(), grant)
                .await?
                .is_some_and(|g| g.client_id == client.id);
            if own {
                end_grant(&state, &ctx, grant, "revoked by the app", now).await?;
            }
        }
        Ok::<_, OAuthError>(())
    }
    .await;
    match answer {
        Ok(()) => ([(header::CACHE_CONTROL, "no-store")], "").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /oauth/introspect`.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return OAuthError::new("invalid_request", "the body must be a form").into_response();
    };
    let now = state.now();
    let answer = async {
        let client = authenticate(&state, &headers, &form.credentials()).await?;
        if client.secret_hash.is_none() {
            return Err(OAuthError::new(
                "invalid_client",
                "introspection is for confidential clients",
            ));
        }
        let inactive = json!({ "active": false });
        if let Some((claims, _)) = live_access_token(&state, &form.token, now).await? {
            return Ok(json!({
                "active": true, "token_type": "Bearer", "scope": claims.scope,
                "client_id": claims.client_id, "sub": claims.sub, "exp": claims.exp,
                "iat": claims.iat, "iss": issuer(&state), "aud": claims.client_id,
            }));
        }
        let Some(row) =
            grants::refresh_token(state.pool(), &Sha256::digest(form.token.as_bytes())).await?
        else {
            return Ok(inactive);
        };
        if row.used_at.is_some() || row.expires_at <= now {
            return Ok(inactive);
        }
        let Some(grant) = grants::grant(state.pool(), row.grant_id).await? else {
            return Ok(inactive);
        };
        let Some(owner) = crate::store::clients::by_id(state.pool(), grant.client_id).await? else {
            return Ok(inactive);
        };
        if live_grant(&state, grant.id, &owner).await.is_err() || owner.disabled_at.is_some() {
            return Ok(inactive);
        }
        let claims = super::token::claims(&state, grant.user_id, "").await?;
        Ok(json!({
            "active": true, "token_type": "refresh_token", "scope": grant.scopes,
            "client_id": owner.client_id, "sub": claims.get("sub"), "exp": row.expires_at,
            "iat": row.created_at, "iss": issuer(&state),
        }))
    }
    .await;
    match answer {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}
