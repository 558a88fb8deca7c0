//! HTTP security headers (`shared/SECURITY.md`, Requests; OWASP ASVS 4.0.3 V14.4).
//!
//! Pages get a Content-Security-Policy whose script nonce is the one on their scripts (see
//! [`page_csp`] and [`page_policy`], which makes the nonce before the render); every other response gets
//! a policy that allows nothing to run. All responses get `nosniff`, `Referrer-Policy`,
//! `X-Frame-Options`, `Strict-Transport-Security`, and dynamic ones `Cache-Control: no-store`.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// The policy of a server-rendered page. Scripts run only from this origin or with the
/// response's nonce (no `unsafe-inline`); `wasm-unsafe-eval` lets the browser compile the
/// page's own wasm; no plugins, no `<base>`, no framing. Forms post to this origin only, and
/// the redirects that follow them stay here too, except to `form_target` (an origin a page
/// vouched for through [`FORM_TARGET_HEADER`]: the app a consent or logout form returns to).
pub fn page_csp(nonce: &str, form_target: Option<&str>) -> String {
    let extra = form_target.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'{extra}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// A response header, never sent on, through which a page's render names the one other
/// origin its forms may end at (a consent page's checked redirect URI, for the redirect that
/// follows "Allow" without JavaScript). [`page_policy`] takes it into `form-action`.
pub const FORM_TARGET_HEADER: &str = "x-roster-form-target";

/// The origin of `url` when it is http(s), for [`FORM_TARGET_HEADER`].
pub fn form_target_origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

/// The policy of everything that is not a page (JSON, files, redirects).
pub const DEFAULT_CSP: &str =
    "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `Strict-Transport-Security`: https only, for two years, subdomains included
/// (`shared/SECURITY.md`, Requests; OWASP ASVS 4.0.3 V14.4.5).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The CSP nonce of one page request, made by [`page_policy`] before anything renders.
#[derive(Debug, Clone)]
pub struct PageNonce(pub leptos::nonce::Nonce);

/// Middleware (on the page routes, inside the page cache) that gives every page request its
/// nonce and every HTML answer the policy naming it. The nonce (128 bits, as Leptos makes
/// them) goes into the request's extensions, and [`provide_page_nonce`] hands it to the
/// render, so the scripts and the header cannot disagree. (Setting the header from inside the
/// render through Leptos' `ResponseOptions` lost it now and then: Playwright saw a signed-in
/// page answered with the fallback policy and never hydrated.)
pub async fn page_policy(mut req: Request, next: Next) -> Response {
    if !super::middleware::is_page_request(&req) {
        return next.run(req).await;
    }
    let nonce = leptos::nonce::Nonce::new();
    req.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let target = res
        .headers_mut()
        .remove(FORM_TARGET_HEADER)
        .and_then(|v| v.to_str().ok().and_then(form_target_origin));
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce, target.as_deref())) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    res
}

/// Provides the request's [`PageNonce`] to the render in place of the one Leptos made; called
/// from the page routes' context functions.
pub fn provide_page_nonce() {
    use leptos::prelude::provide_context;
    let nonce = crate::request::with_parts(|parts| {
        parts.extensions.get::<PageNonce>().map(|n| n.0.clone())
    })
    .flatten();
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

/// Adds the security headers to every response; a policy already set (a page's) is kept.
/// Everything but the built assets under `/pkg/` is marked `no-store`, as pages and server
/// function answers can hold account data.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let cacheable = path.starts_with("/pkg/");
    let mut res = next.run(req).await;
    let ok = res.status().is_success();
    let headers = res.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DEFAULT_CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Browsers obey this only on https and ignore it on plain http (RFC 6797 §8.1), so it is
    // safe on every response: behind a TLS proxy it pins the site to https for two years.
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if is_hashed_asset(&path) && ok {
        // A hashed name changes whenever the content does, so the file never goes stale.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    res
}

/// `/pkg/<name>.<hash>.<ext>`: a built file named after its content by cargo-leptos
/// (`hash-files`; the hash is 22 base64url characters of an MD5 of the file).
fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3
        && parts[parts.len() - 2].len() == 22
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Refuses, with 403, every state-changing request (any method but GET, HEAD and OPTIONS)
/// that a browser sent from another site (OWASP ASVS 4.0.3 V4.2.2; `shared/SECURITY.md`,
/// Requests). The request's own origin is `http(s)://` + its `Host`. A browser always sends
/// `Origin` on such requests, so that decides (but `Origin: null`, sent when referrers are
/// turned off, passes only with `Sec-Fetch-Site: same-origin`); failing it, `Sec-Fetch-Site`;
/// failing both, `Referer`. A request with none of the three did not come from a browser, where
/// CSRF cannot happen, and passes. Server functions are covered like every other route.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    use axum::{http::StatusCode, response::IntoResponse};
    if is_cross_site_write(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused.",
        )
            .into_response();
    }
    next.run(req).await
}

fn is_cross_site_write(req: &Request) -> bool {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let text = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).unwrap_or_default();
    let own = |origin: &str| {
        !host.is_empty()
            && (origin == format!("http://{host}") || origin == format!("https://{host}"))
    };
    let fetch_site = text(header::HeaderName::from_static("sec-fetch-site"));
    match text(header::ORIGIN) {
        // A browser told not to send referrers sends `Origin: null` with a form's post
        // (Fetch §3.1, "serializing a request origin"); then only `Sec-Fetch-Site` can say it
        // came from this site.
        Some("null") => fetch_site != Some("same-origin"),
        Some(origin) => !own(origin),
        None => match fetch_site {
            Some(site) => site != "same-origin" && site != "none",
            None => match text(header::REFERER) {
                Some(referer) => {
                    !url::Url::parse(referer).is_ok_and(|u| own(&u.origin().ascii_serialization()))
                }
                None => false,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_named_files_are_immutable() {
        assert!(is_hashed_asset("/pkg/roster.AbCdEfGhIjKlMnOpQrStUv.wasm"));
        assert!(is_hashed_asset("/pkg/roster.Ab-d_fGhIjKlMnOpQrStUv.css"));
        assert!(!is_hashed_asset("/pkg/roster.wasm"));
        assert!(!is_hashed_asset("/pkg/roster.short.js"));
        assert!(!is_hashed_asset("/profile"));
    }
}
