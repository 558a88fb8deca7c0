//! Request middleware that knows no feature: what a page request is, the removal of the
//! session cookie, and the status codes of server-function errors.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::AppState;
use crate::{error::AppError, paths};

/// Whether `req` asks for a page (a GET or HEAD that is neither a server function under `/fn/`
/// nor a built file under `/pkg/`).
pub fn is_page_request(req: &Request) -> bool {
    let path = req.uri().path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !is_under(path, paths::FN_PREFIX)
        && !is_under(path, paths::PKG_PREFIX)
}

/// True when `path` is `prefix` itself or below it (`/pkg/x` is under `/pkg`).
pub fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
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
    if !state.config().secure_cookies {
        return res;
    }
    let name = format!("{}=", state.config().session_cookie_name());
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

/// After every request that may have written (any method but GET, HEAD and OPTIONS; state
/// never changes on those, `shared/SECURITY.md`), waits until this node's authentication cache
/// has applied every change committed so far, so a sign-out, revocation or disable acts on the
/// very next request whichever connection it comes on ([`super::auth_cache::AuthCache::settle`]:
/// a round trip on PostgreSQL, nothing on SQLite).
pub async fn settle_auth_cache(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if writes {
        state.auth_cache().settle(state.pool()).await;
    }
    res
}

/// Stands for this site in the `Referer` [`form_return_page`] gives a post, and is taken out of
/// the redirect again (a reserved name, RFC 2606: never a real host).
const RETURN_BASE: &str = "http://return.invalid";

/// Makes the page a form names ([`paths::RETURN_FIELD`], written by `components::ReturnTo`)
/// the target of the redirect Leptos answers a form posted without JavaScript with: back to
/// that page, with the errors in its query. Leptos takes the target from the `Referer` alone,
/// which a browser may leave out (privacy settings, `Referrer-Policy: no-referrer`); then a
/// wrong password just showed the home page. Only a path on this site is taken
/// (`paths::safe_next`); it goes to Leptos as the `Referer` on a placeholder origin (Leptos
/// needs an absolute URL to add the errors to) and the redirect's `Location` is made that
/// path again, relative, so it stays on whatever host the browser used. Only plain form posts
/// to server functions (`Accept: text/html`, Leptos' own test for redirecting) are read; calls
/// from the page's script and every other request pass untouched. A body over
/// [`super::MAX_BODY_BYTES`] is refused with 413 (the body limit layer outside would have done
/// the same).
pub async fn form_return_page(req: Request, next: Next) -> Response {
    let plain_form = {
        let text = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        text(header::CONTENT_TYPE)
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
            && text(header::ACCEPT).is_some_and(|v| v.contains("text/html"))
    };
    if req.method() != Method::POST || !is_under(req.uri().path(), paths::FN_PREFIX) || !plain_form
    {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, super::MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let target = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == paths::RETURN_FIELD)
        .and_then(|(_, page)| {
            let page = paths::safe_next(&page)?;
            HeaderValue::from_str(&format!("{RETURN_BASE}{page}")).ok()
        });
    if let Some(target) = target {
        parts.headers.insert(header::REFERER, target);
    }
    let mut res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let relative = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| location.strip_prefix(RETURN_BASE))
        .and_then(|path| HeaderValue::from_str(path).ok());
    if let Some(path) = relative {
        res.headers_mut().insert(header::LOCATION, path);
    }
    res
}
