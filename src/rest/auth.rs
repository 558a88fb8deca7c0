//! Authentication of API calls: `Authorization: Bearer roster_pat_...` checked by
//! `auth::tokens` into a [`Bearer`], from which each handler takes the capability its
//! operation needs, or a 403 naming the missing scope.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

use super::problem::{Problem, ProblemType};
use crate::{
    auth::{
        tokens::{self, CheckedToken, TokenRefusal, TOKEN_PREFIX},
        Admin, Me,
    },
    domain::Scope,
    request::RequestContext,
    server::AppState,
};

/// Query parameters that would carry a token; a URL with one is refused, since URLs end up in
/// logs and browser history (`shared/SECURITY.md`, API tokens).
fn token_in_query(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(key, value)| {
            key == "access_token" || key == "token" || value.contains(TOKEN_PREFIX)
        })
    })
}

/// The checked bearer token of an API call, with the call's context (which now names the
/// token, so audit events say `"via": "api"` and its id).
pub struct Bearer {
    pub token: CheckedToken,
    pub ctx: RequestContext,
}

impl Bearer {
    /// The owner's own-account capability for an operation needing `scope`.
    ///
    /// Errors: 403 `insufficient-scope` naming it.
    pub fn me(&self, scope: Scope) -> Result<Me, Problem> {
        self.token.me(scope).map_err(Problem::insufficient_scope)
    }

    /// The owner's administrator capability for an operation needing `scope`.
    ///
    /// Errors: 403 `insufficient-scope` naming it (also when the owner is no longer an
    /// administrator).
    pub fn admin(&self, scope: Scope) -> Result<Admin, Problem> {
        self.token.admin(scope).map_err(Problem::insufficient_scope)
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Problem;

    /// Reads `Authorization: Bearer <token>` (the scheme name is case-insensitive, RFC 9110
    /// §11.1), checks the token and its owner, then counts the call against the token's rate
    /// limit.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if token_in_query(parts.uri.query()) {
            return Err(Problem::new(
                ProblemType::TokenInQuery,
                "Tokens are accepted only in the Authorization header, never in the URL.",
            ));
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(Problem::authentication_required)?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or_else(Problem::authentication_required)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Problem::authentication_required());
        }
        let token = tokens::check(state, token.trim(), state.now())
            .await
            .map_err(|refusal| match refusal {
                Ok(TokenRefusal::Invalid) => {
                    Problem::invalid_token("The token is not valid: unknown or revoked.")
                }
                Ok(TokenRefusal::Expired) => Problem::invalid_token("The token has expired."),
                Ok(TokenRefusal::OwnerDisabled) => {
                    Problem::invalid_token("The token's account is disabled.")
                }
                Ok(TokenRefusal::PasswordChangeRequired) => {
                    Problem::invalid_token("The token's owner must choose a new password first.")
                }
                Err(error) => Problem::from(error),
            })?;
        if let Some(wait) = state.throttle().api_call(token.id()).await {
            return Err(Problem::rate_limited(wait));
        }
        let ctx = parts
            .extensions
            .get::<RequestContext>()
            .ok_or_else(|| {
                Problem::from(crate::error::internal(
                    "RequestContext missing from the call",
                ))
            })?
            .with_token(token.id());
        Ok(Bearer { token, ctx })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_the_query_are_spotted() {
        assert!(token_in_query(Some("access_token=abc")));
        assert!(token_in_query(Some("q=roster_pat_abc")));
        assert!(token_in_query(Some("q=x&token=1")));
        assert!(!token_in_query(Some("q=ann&limit=5")));
        assert!(!token_in_query(None));
    }
}
