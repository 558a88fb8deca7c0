//! The context of one request as every service receives it: the server-made request id, the
//! client (address and user agent) and the means the caller came by (a session, a personal
//! access token, the command line). One middleware makes it (`server::context`); nothing else
//! does, so the audit trail, the logs and the error ids all name the same request.
//!
//! This module imports nothing of the crate: it sits below everything that uses it.

use std::net::IpAddr;

/// Longest user agent kept, in characters; longer ones are cut (it is free text from the
/// client).
pub const MAX_USER_AGENT_CHARS: usize = 512;
/// Longest `Accept-Language` kept, in characters; a longer one is ignored.
pub const MAX_LANGUAGES_CHARS: usize = 256;

/// How the caller reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session (pages and server functions).
    Session,
    /// A personal access token of the JSON API, by its id.
    Token(i64),
    /// The `roster` command line on the server.
    Cli,
}

/// Where a request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's address (the TCP peer; later the trusted proxy's forwarded address).
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, at most [`MAX_USER_AGENT_CHARS`] characters.
    pub user_agent: Option<String>,
    /// The `Accept-Language` header as sent (RFC 9110 §12.5.4), when at most
    /// [`MAX_LANGUAGES_CHARS`] characters: the language of what has no page of its own to say
    /// it in (a mail this request causes to its own sender, `i18n::mail_locale`; a script's
    /// JSON answer and the times a server function writes, `i18n::request_locale`).
    pub languages: Option<String>,
}

impl Client {
    /// A client from its address and raw `User-Agent` (cut to [`MAX_USER_AGENT_CHARS`]).
    pub fn new(ip: Option<IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            ip,
            user_agent: user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
            languages: None,
        }
    }

    /// This client asking for the languages of `headers` ([`accept_language`]).
    pub fn with_languages(mut self, headers: &http::HeaderMap) -> Self {
        self.languages = accept_language(headers).map(str::to_owned);
        self
    }

    /// The address as text (for storage), if known.
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// The `Accept-Language` of `headers` (RFC 9110 §12.5.4) as sent, when it is text of at most
/// [`MAX_LANGUAGES_CHARS`] characters; `None` otherwise. The one reading of the header: the
/// page render, the anonymous page cache's key and [`Client::languages`] all take it from
/// here, so they cannot disagree about which language a request asked for.
pub fn accept_language(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .filter(|l| l.chars().count() <= MAX_LANGUAGES_CHARS)
}

/// One request's context (see the module docs). Cloning is cheap enough for once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Made by the server (a UUID v4); a client's `X-Request-Id` is never taken.
    pub request_id: String,
    pub client: Client,
    pub via: Via,
}

impl RequestContext {
    /// The context of a request that came with `request_id` from `client` through a session.
    pub fn new(request_id: String, client: Client) -> Self {
        Self {
            request_id,
            client,
            via: Via::Session,
        }
    }

    /// The context of a command run on the server's command line: no client, and a request id
    /// of `cli` (it is never shown to anyone but the operator).
    pub fn cli() -> Self {
        Self {
            request_id: "cli".into(),
            client: Client::default(),
            via: Via::Cli,
        }
    }

    /// The same request, now known to come through personal access token `token_id`.
    pub fn with_token(&self, token_id: i64) -> Self {
        Self {
            via: Via::Token(token_id),
            ..self.clone()
        }
    }

    /// Runs `work` with this context as the task's current one ([`current`]), for code that
    /// has no other way to find the request id (error logging in extractors).
    pub async fn scope<F: std::future::Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// `f` of the request being rendered or handled (its `Parts` in Leptos context), read in place:
/// `use_context` would clone the whole request head — headers and every extension, the
/// caller's profile among them — on each call, and a signed-in page makes many. `None`
/// outside a request.
pub fn with_parts<R>(f: impl FnOnce(&http::request::Parts) -> R) -> Option<R> {
    leptos::reactive::owner::with_context::<http::request::Parts, R>(f)
}

/// The `Accept-Language` of the client whose request the current task serves
/// ([`RequestContext::scope`]; tasks spawned for it carry the scope too), if any.
pub fn current_languages() -> Option<String> {
    CURRENT
        .try_with(|ctx| ctx.client.languages.clone())
        .ok()
        .flatten()
}

/// The request id of the context the current task runs in ([`RequestContext::scope`]), if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|ctx| ctx.request_id.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_user_agents_are_cut_by_characters() {
        let ua = "é".repeat(MAX_USER_AGENT_CHARS + 10);
        let client = Client::new(None, Some(&ua));
        assert_eq!(
            client.user_agent.unwrap().chars().count(),
            MAX_USER_AGENT_CHARS
        );
    }

    #[tokio::test]
    async fn the_scope_gives_the_clients_languages_to_the_task_unless_too_long() {
        assert_eq!(current_languages(), None);
        let headers = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                http::header::ACCEPT_LANGUAGE,
                http::HeaderValue::from_str(value).unwrap(),
            );
            headers
        };
        let client = Client::default().with_languages(&headers("de-DE,de;q=0.9"));
        let ctx = RequestContext::new("req-1".into(), client);
        let seen = ctx.scope(async { current_languages() }).await;
        assert_eq!(seen.as_deref(), Some("de-DE,de;q=0.9"));
        let long = "de;q=0.9,".repeat(40);
        assert_eq!(accept_language(&headers(&long)), None);
        assert_eq!(
            Client::default().with_languages(&headers(&long)).languages,
            None
        );
        assert_eq!(
            Client::default()
                .with_languages(&http::HeaderMap::new())
                .languages,
            None
        );
    }

    #[tokio::test]
    async fn the_scope_gives_the_request_id_to_the_task() {
        assert_eq!(current_request_id(), None);
        let ctx = RequestContext::new("req-1".into(), Client::default());
        let seen = ctx.scope(async { current_request_id() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
        assert_eq!(
            RequestContext::cli().with_token(7).via,
            Via::Token(7),
            "with_token keeps the rest"
        );
    }
}
