//! The anonymous page cache: the public pages a signed-out visitor sees are the same for every
//! such visitor but for the CSP nonce, so each is rendered once and served from memory with a
//! fresh nonce spliced in.
//!
//! Only a `GET` of a path in [`CACHEABLE_PAGES`], without a query string and without the
//! session cookie, is served from the cache; anything else (a signed-in visitor, a stale
//! cookie, `?next=...`) is rendered as usual. A page is kept once per language (the one
//! `Accept-Language` chooses, `crate::i18n::choose`), and says so with `Vary: Accept-Language`.
//! "Without the session cookie" is decided by the
//! very parse the session layer uses (`tower-cookies`: each `Cookie` header as UTF-8, split at
//! `;`, each cookie trimmed and percent-decoded), so no spelling of the cookie can look signed
//! out here and signed in there. Only a `200` HTML answer that sets no cookie, carries a
//! nonced policy and was rendered for nobody ([`Personal`] absent) is kept. A fresh nonce (128 bits from a CSPRNG, as Leptos makes them)
//! replaces every occurrence of the first one, in the body and in the policy, so no two
//! responses share a nonce (`shared/SECURITY.md`, Requests). The pages depend only on the build
//! and the configuration, so entries never go stale while the process runs.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{security::page_csp, AppState};

/// The pages served from the cache to signed-out visitors.
pub const CACHEABLE_PAGES: [&str; 4] = [
    crate::paths::HOME,
    crate::paths::LOGIN,
    crate::paths::SIGN_UP,
    crate::paths::API_DOCS,
];

/// Largest page body kept, in bytes; a bigger one is served but not kept.
const MAX_PAGE_BYTES: usize = 256 * 1024;

/// A rendered page cut at each occurrence of its nonce.
#[derive(Debug)]
struct CachedPage {
    headers: HeaderMap,
    /// The body between nonces: `pieces[0] nonce pieces[1] nonce ... pieces[n]`.
    pieces: Vec<Bytes>,
}

impl CachedPage {
    /// Cuts `body` at every occurrence of `nonce`.
    fn new(headers: HeaderMap, body: &Bytes, nonce: &str) -> Self {
        let needle = nonce.as_bytes();
        let mut pieces = Vec::new();
        let mut start = 0;
        let mut at = 0;
        while at + needle.len() <= body.len() {
            if &body[at..at + needle.len()] == needle {
                pieces.push(body.slice(start..at));
                at += needle.len();
                start = at;
            } else {
                at += 1;
            }
        }
        pieces.push(body.slice(start..));
        Self { headers, pieces }
    }

    /// The page with `nonce` in every place the first one was.
    fn body(&self, nonce: &str) -> Vec<u8> {
        let len = self.pieces.iter().map(Bytes::len).sum::<usize>()
            + nonce.len() * (self.pieces.len() - 1);
        let mut body = Vec::with_capacity(len);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        body
    }

    fn response(&self, nonce: &str) -> Response {
        let mut res = Response::new(Body::from(self.body(nonce)));
        *res.headers_mut() = self.headers.clone();
        if let Ok(csp) = HeaderValue::from_str(&page_csp(nonce, None)) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        res
    }
}

/// A cached page's key: its path and its language's tag.
type PageKey = (&'static str, &'static str);

/// The rendered pages, by path and language.
#[derive(Debug, Default)]
pub struct PageCache {
    pages: RwLock<HashMap<PageKey, Arc<CachedPage>>>,
}

impl PageCache {
    /// Whether `path` is in the cache in the language tagged `language`.
    pub fn contains(&self, path: &str, language: &str) -> bool {
        self.pages
            .read()
            .is_ok_and(|pages| pages.keys().any(|k| *k == (path, language)))
    }

    fn get(&self, key: PageKey) -> Option<Arc<CachedPage>> {
        self.pages.read().ok()?.get(&key).cloned()
    }

    fn put(&self, key: PageKey, page: CachedPage) {
        if let Ok(mut pages) = self.pages.write() {
            pages.insert(key, Arc::new(page));
        }
    }
}

/// A response extension saying the page was rendered for a signed-in caller (the session guard
/// adds it): such a page is never kept, whatever the request looked like.
#[derive(Debug, Clone, Copy)]
pub struct Personal;

/// Whether `headers` carry a cookie named `name`, read as the session layer reads them
/// (`tower_cookies`' jar: each header's bytes as UTF-8, split at `;`, each part through
/// `Cookie::parse_encoded`, which trims and percent-decodes the name).
pub fn has_cookie(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| tower_sessions::cookie::Cookie::parse_encoded(c.to_owned()).ok())
        .any(|c| c.name() == name)
}

/// The cacheable page `req` asks for and the language it is drawn in, if it may be answered
/// from the cache.
fn cacheable(req: &Request, cookie_name: &str) -> Option<PageKey> {
    if req.method() != Method::GET || req.uri().query().is_some() {
        return None;
    }
    let path = CACHEABLE_PAGES
        .into_iter()
        .find(|p| *p == req.uri().path())?;
    let accept_language = crate::request::accept_language(req.headers());
    let language = crate::i18n::language_of(crate::i18n::choose(None, accept_language)).tag();
    (!has_cookie(req.headers(), cookie_name)).then_some((path, language))
}

/// The nonce of a page's policy (`'nonce-<value>'` in `script-src`).
fn policy_nonce(headers: &HeaderMap) -> Option<String> {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let rest = &csp[csp.find("'nonce-")? + "'nonce-".len()..];
    let nonce = &rest[..rest.find('\'')?];
    (!nonce.is_empty()).then(|| nonce.to_string())
}

/// Middleware (outside the session layer): answers a signed-out visitor's `GET` of a cacheable
/// page from the cache, or renders it and keeps it.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = cacheable(&req, state.config().session_cookie_name()) else {
        return next.run(req).await;
    };
    let (path, _) = key;
    let fresh = || leptos::nonce::Nonce::new().to_string();
    if let Some(page) = state.pages().get(key) {
        return page.response(&fresh());
    }
    let mut res = next.run(req).await;
    // The same address answers in each language.
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-language"));
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let keep = res.status() == StatusCode::OK
        && res.extensions().get::<Personal>().is_none()
        && html
        && !res.headers().contains_key(header::SET_COOKIE)
        && !res.headers().contains_key(header::CONTENT_ENCODING);
    let Some(nonce) = policy_nonce(res.headers()).filter(|_| keep) else {
        return res;
    };
    let (parts, body) = res.into_parts();
    // The body is a page of ours, rendered in full before its first byte anyway.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(path, error = %e, "page body failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if bytes.len() <= MAX_PAGE_BYTES {
        let mut headers = parts.headers.clone();
        headers.remove(header::CONTENT_SECURITY_POLICY);
        headers.remove(header::CONTENT_LENGTH);
        state
            .pages()
            .put(key, CachedPage::new(headers, &bytes, &nonce));
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_replaced_everywhere() {
        let body = Bytes::from_static(b"<script nonce=\"N0\">a</script><p>N0</p>N0");
        let page = CachedPage::new(HeaderMap::new(), &body, "N0");
        assert_eq!(page.pieces.len(), 4);
        let out = String::from_utf8(page.body("fresh")).unwrap();
        assert_eq!(out, "<script nonce=\"fresh\">a</script><p>fresh</p>fresh");
        let res = page.response("fresh");
        assert_eq!(policy_nonce(res.headers()).as_deref(), Some("fresh"));
    }

    #[test]
    fn only_signed_out_gets_of_listed_pages_without_query() {
        let req = |method: Method, uri: &str, cookie: Option<&str>| {
            let mut b = Request::builder().method(method).uri(uri);
            if let Some(c) = cookie {
                b = b.header(header::COOKIE, c);
            }
            b.body(Body::empty()).unwrap()
        };
        let name = "__Host-roster_session";
        assert_eq!(
            cacheable(&req(Method::GET, "/login", None), name),
            Some(("/login", "en"))
        );
        let german = Request::builder()
            .uri("/login")
            .header(header::ACCEPT_LANGUAGE, "de-AT, de;q=0.9, en;q=0.5")
            .body(Body::empty())
            .unwrap();
        assert_eq!(cacheable(&german, name), Some(("/login", "de")));
        assert_eq!(
            cacheable(&req(Method::GET, "/", Some("theme=dark; other=1")), name),
            Some(("/", "en"))
        );
        assert_eq!(
            cacheable(&req(Method::GET, "/login?next=/x", None), name),
            None
        );
        assert_eq!(cacheable(&req(Method::HEAD, "/login", None), name), None);
        assert_eq!(cacheable(&req(Method::POST, "/login", None), name), None);
        assert_eq!(cacheable(&req(Method::GET, "/profile", None), name), None);
        assert_eq!(
            cacheable(
                &req(Method::GET, "/login", Some("a=1; __Host-roster_session=x")),
                name
            ),
            None
        );
        // Every spelling the session layer reads as its cookie is one here too.
        for spelling in [
            "__Host-roster_session =x",
            " __Host-roster_session= x",
            "__Host-roster%5Fsession=x",
            "theme=dark;__Host-roster_session=x",
        ] {
            assert_eq!(
                cacheable(&req(Method::GET, "/login", Some(spelling)), name),
                None,
                "{spelling}"
            );
        }
        let non_ascii = Request::builder()
            .uri("/login")
            .header(
                header::COOKIE,
                HeaderValue::from_bytes("note=é; __Host-roster_session=x".as_bytes()).unwrap(),
            )
            .body(Body::empty())
            .unwrap();
        assert_eq!(cacheable(&non_ascii, name), None);
    }

    #[test]
    fn nonce_is_read_from_the_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&page_csp("abc_-9", None)).unwrap(),
        );
        assert_eq!(policy_nonce(&headers).as_deref(), Some("abc_-9"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'"),
        );
        assert_eq!(policy_nonce(&headers), None);
    }
}
