//! The one middleware that makes each request's [`RequestContext`]: a request id made here
//! (a UUID v4; a client's `X-Request-Id` is never taken as the id), the client's address and
//! user agent. It goes into the request's extensions for handlers, renders and server
//! functions, and is the task's current context for code that has only the task to go by.
//!
//! The client's address is the TCP peer, or, when that peer is a trusted proxy
//! (`ROSTER_TRUSTED_PROXIES`), the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy: each proxy appends the address it saw, so entries left of the last trusted
//! hop are whatever the client wrote and count for nothing. A forged header from anyone else is
//! ignored (`shared/SECURITY.md`, Login). Throttles, audit events, the sessions list and the
//! log all use this one address.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

use super::AppState;
use crate::request::{Client, RequestContext};

/// The response header that carries the request id back to the client.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: `peer`, or the right-most untrusted `X-Forwarded-For` entry when
/// `peer` is a trusted proxy (the left-most entry when every one is trusted; `peer` when the
/// header is missing or its entry there does not parse).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match parse_entry(entry) {
            Some(ip) if is_trusted(&ip) => client = ip,
            Some(ip) => return ip,
            // A trusted proxy wrote something that is no address: believe nothing further.
            None => return client,
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    entry.parse::<SocketAddr>().ok().map(|addr| addr.ip())
}

/// Middleware (outermost but for the request log's own span, which reads the context): makes
/// the context, runs the request inside it and names its id in the response.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let ip = peer.map(|peer| client_ip(peer, req.headers(), &state.config().trusted_proxies));
    let client = Client::new(
        ip,
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
    .with_languages(req.headers());
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
    crate::request::with_parts(|parts| parts.extensions.get::<RequestContext>().cloned())
        .flatten()
        .ok_or_else(|| crate::error::internal("RequestContext missing from the request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn a_forged_header_from_an_untrusted_peer_is_ignored() {
        let trusted = super::super::config::parse_trusted_proxies("10.0.0.0/8").unwrap();
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_entry_is_the_client() {
        let trusted = super::super::config::parse_trusted_proxies("10.0.0.0/8, ::1").unwrap();
        // The client forged "1.2.3.4"; the edge proxy appended what it saw, then an inner one.
        let h = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(client_ip(ip("10.0.0.3"), &h, &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_ip(ip("::1"), &forwarded(&["[2001:db8::7]:4711"]), &trusted),
            ip("2001:db8::7")
        );
        // Only proxies: the left-most; no header: the peer; garbage from a proxy: the last
        // trusted hop.
        assert_eq!(
            client_ip(ip("10.0.0.3"), &forwarded(&["10.0.0.9"]), &trusted),
            ip("10.0.0.9")
        );
        assert_eq!(
            client_ip(ip("10.0.0.3"), &HeaderMap::new(), &trusted),
            ip("10.0.0.3")
        );
        assert_eq!(
            client_ip(
                ip("10.0.0.3"),
                &forwarded(&["203.0.113.9, nonsense"]),
                &trusted
            ),
            ip("10.0.0.3")
        );
    }
}
