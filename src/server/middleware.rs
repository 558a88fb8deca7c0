//! Request middleware: who is viewing a page (and the signed-in page guard), the removal of
//! the session cookie, and the status codes of server-function errors.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::AppState;
use crate::{
    auth::{self, ssr::CurrentViewer},
    error::AppError,
};

/// For every page request: hands who is signed in to the render as a request extension,
/// [`CurrentViewer`], so the page frame (theme, header) is right in the first byte, JavaScript
/// or not. The session guard (outside this layer) read the viewer with the session record; a
/// request it did not mark is anonymous. Anonymous visitors of a signed-in page are sent to
/// `/login?next=<the page>` (303) before any rendering happens; a person whose password an
/// administrator reset is sent to `/settings/password?required=1` from every other page.
/// Server functions and static files pass untouched.
pub async fn page_viewer(mut req: Request, next: Next) -> Response {
    if !is_page_request(&req) {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let viewer = req
        .extensions()
        .get::<CurrentViewer>()
        .and_then(|v| v.0.clone());
    if viewer.is_none() && auth::is_signed_in_page(path) {
        let wanted = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
        return Redirect::to(&auth::login_url(wanted)).into_response();
    }
    // After an administrator's password reset, choosing a new password comes first.
    if viewer.as_ref().is_some_and(|v| v.must_change_password) && path != "/settings/password" {
        return Redirect::to(auth::REQUIRED_PASSWORD_CHANGE).into_response();
    }
    req.extensions_mut().insert(CurrentViewer(viewer));
    next.run(req).await
}

/// Whether `req` asks for a page (a GET or HEAD that is neither a server function under `/fn/`
/// nor a built file under `/pkg/`).
pub fn is_page_request(req: &Request) -> bool {
    let path = req.uri().path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/fn/")
        && !path.starts_with("/pkg/")
}

/// tower-sessions removes the session cookie (at sign-out) with a `Max-Age=0` cookie that lacks
/// `Secure`; browsers refuse any `__Host-` cookie without `Secure`, so they would keep sending
/// the dead id. This adds `Secure` to such removal cookies.
pub async fn secure_cookie_removal(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    if !state.config.secure_cookies {
        return res;
    }
    let name = format!("{}=", state.config.session_cookie_name());
    let needs_secure = |v: &HeaderValue| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(&name) && !v.to_ascii_lowercase().contains("; secure"))
    };
    // Most responses set no cookie, or a complete one: leave their headers alone.
    if !res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(needs_secure)
    {
        return res;
    }
    let fixed: Vec<HeaderValue> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| match value.to_str() {
            Ok(v) if needs_secure(value) => {
                HeaderValue::from_str(&format!("{v}; Secure")).unwrap_or_else(|_| value.clone())
            }
            _ => value.clone(),
        })
        .collect();
    let headers = res.headers_mut();
    headers.remove(header::SET_COOKIE);
    for value in fixed {
        headers.append(header::SET_COOKIE, value);
    }
    res
}

/// Largest server-function error body this reads back to find its status.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Server functions answer every error with 500; this reads the [`AppError`] in such a body
/// and answers with the status it stands for (400 for validation, 401 for bad credentials, ...),
/// adding `Retry-After` to 429s. Plain-form posts (no JavaScript) are redirects and pass as they
/// are.
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::RateLimited { retry_after } = err {
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                parts.headers.insert(header::RETRY_AFTER, v);
            }
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
