//! The one middleware that makes each request's [`RequestContext`]: a request id made here
//! (a UUID v4; a client's `X-Request-Id` is ignored), the client's address and user agent.
//! It goes into the request's extensions for handlers, renders and server functions, and is
//! the task's current context for code that has only the task to go by.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request},
    http::{header, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};

use crate::request::{Client, RequestContext};

/// The response header that carries the request id back to the client.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware (outermost but for the request log's own span, which reads the context): makes
/// the context, runs the request inside it and names its id in the response.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client = Client::new(
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = RequestContext::new(request_id.clone(), client);
    req.extensions_mut().insert(ctx.clone());
    let mut res = ctx.scope(next.run(req)).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    res
}

/// The context of the request being handled, from Leptos context (inside a render or a server
/// function).
///
/// Errors: `Internal` outside a request (a programming error).
pub fn current() -> Result<RequestContext, crate::error::AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestContext>().cloned())
        .ok_or_else(|| crate::error::internal("RequestContext missing from the request"))
}
