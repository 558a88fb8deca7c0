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
    let signed_in = match (r.caller.me(), r.caller.record()) {
        (Ok(me), Some(record)) => crate::auth::sessions::signed_in_at(r.state.pool(), record)
            .await?
            .map(|at| (me, at)),
        _ => None,
    };
    let signed_in = signed_in.as_ref().map(|(me, at)| (me, *at));
    match step(&r.state, &r.ctx, signed_in, &query, r.state.now()).await? {
        Step::Refused(why) => Ok(AuthorizeView::Refused(why)),
        Step::Redirect(url) | Step::SignIn(url) => {
            leptos_axum::redirect(&url);
            Ok(AuthorizeView::Redirecting)
        }
        Step::Consent { app, scopes } => {
            allow_form_target(&query.redirect_uri);
            Ok(AuthorizeView::Consent { app, scopes })
        }
    }
}

/// Lets this page's forms end at `checked_uri`'s origin (a redirect URI or post-logout URI the
/// app registered, checked by the caller): without JavaScript the answer to "Allow" or "Sign
/// out" is a redirect there, which `form-action 'self'` would stop. Only for a page render.
#[cfg(feature = "ssr")]
fn allow_form_target(checked_uri: &str) {
    use crate::server::security::{form_target_origin, FORM_TARGET_HEADER};
    let rendering =
        crate::request::with_parts(|p| !p.uri.path().starts_with(crate::paths::FN_PREFIX))
            .unwrap_or(false);
    let options = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    if let (true, Some(options), Some(origin)) =
        (rendering, options, form_target_origin(checked_uri))
    {
        if let Ok(value) = http::HeaderValue::from_str(&origin) {
            options.insert_header(http::HeaderName::from_static(FORM_TARGET_HEADER), value);
        }
    }
}

/// Where "Sign out" on `/oauth/logout` returns: `post_logout_redirect_uri` when the app the
/// `id_token_hint` (or `client_id`) names registered it, else none. Read by the page (which
/// then lets its form end there) and by [`oauth_logout`].
///
/// Errors: `Internal` when a query fails.
#[server(prefix = "/fn", endpoint = "oauth_logout_target")]
pub async fn oauth_logout_target(
    #[server(default)] id_token_hint: Option<String>,
    #[server(default)] client_id: Option<String>,
    #[server(default)] post_logout_redirect_uri: Option<String>,
) -> Result<Option<String>, AppError> {
    let r = crate::auth::caller::this_request()?;
    let target = logout_target(
        &r.state,
        id_token_hint.as_deref(),
        client_id,
        post_logout_redirect_uri,
        r.state.now(),
    )
    .await?;
    if let Some(uri) = &target {
        allow_form_target(uri);
    }
    Ok(target)
}

#[cfg(feature = "ssr")]
async fn logout_target(
    state: &crate::server::AppState,
    id_token_hint: Option<&str>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    now: i64,
) -> Result<Option<String>, AppError> {
    let hinted = match id_token_hint.filter(|t| !t.is_empty()) {
        Some(token) => super::endpoints::id_token_client(state, token, now).await?,
        None => None,
    };
    let client = match hinted.or(client_id) {
        Some(id) => crate::store::clients::by_client_id(state.pool(), &id).await?,
        None => None,
    };
    Ok(match (client, post_logout_redirect_uri) {
        (Some(client), Some(uri))
            if client
                .post_logout_redirect_uris
                .lines()
                .any(|registered| registered == uri) =>
        {
            Some(uri)
        }
        _ => None,
    })
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
    let record = r.caller.record().ok_or(AppError::Unauthorized)?;
    let signed_in_at = crate::auth::sessions::signed_in_at(r.state.pool(), record)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let allow = decision == "allow";
    let now = r.state.now();
    match decide(&r.state, &r.ctx, (&me, signed_in_at), &query, allow, now).await? {
        Step::Redirect(url) | Step::SignIn(url) => leptos_axum::redirect(&url),
        Step::Refused(_) | Step::Consent { .. } => {
            leptos_axum::redirect(crate::paths::OAUTH_AUTHORIZE)
        }
    }
    Ok(())
}

/// "Sign out" on `/oauth/logout` (OpenID Connect RP-Initiated Logout 1.0): ends this browser's
/// Roster session, then sends it to `post_logout_redirect_uri` (with `state`) when that URI is
/// registered for the app the `id_token_hint` (or `client_id`) names, else to `/`. Never an
/// open redirect.
///
/// Errors: `Internal` when a query fails.
#[server(prefix = "/fn", endpoint = "oauth_logout")]
pub async fn oauth_logout(
    #[server(default)] id_token_hint: Option<String>,
    #[server(default)] client_id: Option<String>,
    #[server(default)] post_logout_redirect_uri: Option<String>,
    #[server(default)] state: Option<String>,
) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let now = r.state.now();
    let session = crate::auth::session::TypedSession::from_request().await?;
    crate::auth::service::sign_out(&r.state, &r.ctx, &session, now).await?;
    let allowed = logout_target(
        &r.state,
        id_token_hint.as_deref(),
        client_id,
        post_logout_redirect_uri,
        now,
    )
    .await?;
    let target = match allowed {
        Some(uri) => {
            let mut url = url::Url::parse(&uri).map_err(crate::error::internal)?;
            if let Some(state) = state.filter(|s| !s.is_empty()) {
                url.query_pairs_mut().append_pair("state", &state);
            }
            url.to_string()
        }
        None => crate::paths::HOME.to_string(),
    };
    leptos_axum::redirect(&target);
    Ok(())
}
