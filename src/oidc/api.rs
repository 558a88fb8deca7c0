//! Server functions of `/oauth/authorize`: where a request goes next, and the person's answer
//! on the consent page. Redirects (to the app, or to sign in) are real HTTP redirects without
//! JavaScript and a full page load with it.

use leptos::prelude::*;

use super::{AuthorizeQuery, AuthorizeView};
use crate::error::AppError;

/// Looks at the authorization request `query` for the caller: sends the browser on (to the app
/// with a code or an error, or to sign in first), or says what the page shows (the consent
/// question, or why the request is refused without a redirect).
///
/// Errors: `Internal` when a query fails.
#[server(prefix = "/fn", endpoint = "oauth_authorize")]
pub async fn oauth_authorize(query: AuthorizeQuery) -> Result<AuthorizeView, AppError> {
    use super::authorize::{step, Step};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me().ok();
    let here = format!(
        "{}?{}",
        crate::paths::OAUTH_AUTHORIZE,
        serde_urlencoded_query(&query)
    );
    match step(&r.state, &r.ctx, me.as_ref(), &query, &here, r.state.now()).await? {
        Step::Refused(message) => Ok(AuthorizeView::Refused(message)),
        Step::Redirect(url) | Step::SignIn(url) => {
            leptos_axum::redirect(&url);
            Ok(AuthorizeView::Redirecting)
        }
        Step::Consent { app, scopes } => Ok(AuthorizeView::Consent {
            app,
            scopes: scopes
                .into_iter()
                .map(|s| (s.as_str().to_string(), s.shares().to_string()))
                .collect(),
        }),
    }
}

/// "Allow" (`decision=allow`) or "Deny" on the consent page for the request `query`; sends
/// the browser back to the app with a code or `error=access_denied`.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "oauth_decide")]
pub async fn oauth_decide(query: AuthorizeQuery, decision: String) -> Result<(), AppError> {
    use super::authorize::{decide, Step};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let allow = decision == "allow";
    match decide(&r.state, &r.ctx, &me, &query, allow, r.state.now()).await? {
        Step::Redirect(url) | Step::SignIn(url) => leptos_axum::redirect(&url),
        Step::Refused(_) | Step::Consent { .. } => {
            leptos_axum::redirect(crate::paths::OAUTH_AUTHORIZE)
        }
    }
    Ok(())
}

/// `query` as the URL query it came from.
#[cfg(feature = "ssr")]
fn serde_urlencoded_query(query: &AuthorizeQuery) -> String {
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    url.append_pair("response_type", &query.response_type)
        .append_pair("client_id", &query.client_id)
        .append_pair("redirect_uri", &query.redirect_uri)
        .append_pair("scope", &query.scope)
        .append_pair("code_challenge", &query.code_challenge)
        .append_pair("code_challenge_method", &query.code_challenge_method);
    for (key, value) in [
        ("state", &query.state),
        ("nonce", &query.nonce),
        ("prompt", &query.prompt),
    ] {
        if let Some(value) = value {
            url.append_pair(key, value);
        }
    }
    url.finish()
}
