//! Request middleware: the signed-in page guard and the status codes of server-function errors.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use crate::{auth, error::AppError};

/// Sends anonymous visitors of a signed-in page to `/login?next=<the page>` (303) before any
/// rendering happens, so the page never renders for them and the redirect has a real status.
pub async fn require_signed_in_pages(session: Session, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if auth::is_signed_in_page(path) && auth::ssr::session_user_id(&session).await.is_none() {
        let wanted = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
        return Redirect::to(&auth::login_url(wanted)).into_response();
    }
    next.run(req).await
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
