//! The authorization endpoint (RFC 6749 §4.1 with PKCE, RFC 7636; OIDC Core 1.0 §3.1.2): the
//! client and its exact redirect URI are checked before anything else — a bad one is an error
//! page, never a redirect (RFC 9700 §4.1) —, then the request (`response_type=code`, PKCE S256,
//! known and allowed scopes with `openid`); a person not signed in signs in first (second
//! factor included) and comes back; a consent remembered for the app and scope set goes
//! straight on, else the page asks "Allow {app} to use your account?". The answer carries
//! `code` (or `error`), `state` and `iss` (RFC 9207).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use super::{scope_text, AuthorizeQuery, AuthorizeRefusal, OidcScope};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::Me,
    error::{AppError, OrInternal},
    paths,
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::{
        clients::{self, ClientRow},
        grants,
    },
};

/// How long an authorization code works, in seconds (RFC 9700 §4.5: short; one use).
pub const CODE_SECONDS: i64 = 60;

/// Where a request goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Not a request Roster may answer by redirecting (unknown or disabled client, a redirect
    /// URI it did not register): the page says why, with status 400.
    Refused(AuthorizeRefusal),
    /// Back to the app: with a code, or with an error (RFC 6749 §4.1.2.1).
    Redirect(String),
    /// Sign in first, then come back to this request.
    SignIn(String),
    /// Ask the person.
    Consent { app: String, scopes: Vec<OidcScope> },
}

/// A request that passed every check.
struct Checked {
    client: ClientRow,
    scopes: Vec<OidcScope>,
    /// `max_age`, in seconds.
    max_age: Option<i64>,
}

/// Who is signed in: the capability and when they signed in (Unix seconds; see
/// `auth::sessions::signed_in_at`).
pub type SignedIn<'a> = (&'a Me, i64);

/// The issuer (`iss`): the public origin.
pub fn issuer(state: &AppState) -> String {
    state.public_origin()
}

/// `redirect_uri` with `params` added to its query.
fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return redirect_uri.to_string(),
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    url.to_string()
}

/// The redirect carrying `error` (RFC 6749 §4.1.2.1) with `state` and `iss`.
fn error_redirect(state: &AppState, q: &AuthorizeQuery, error: &str, description: &str) -> Step {
    let iss = issuer(state);
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = q.state.as_deref() {
        params.push(("state", s));
    }
    params.push(("iss", &iss));
    Step::Redirect(with_params(&q.redirect_uri, &params))
}

/// Checks `q` as far as a redirect may carry the answer; `Err(step)` is the answer when it
/// fails.
async fn check(state: &AppState, q: &AuthorizeQuery) -> Result<Result<Checked, Step>, AppError> {
    let client = clients::by_client_id(state.pool(), q.client_id.trim())
        .await?
        .filter(|c| c.disabled_at.is_none());
    let Some(client) = client else {
        return Ok(Err(Step::Refused(AuthorizeRefusal::UnknownApp)));
    };
    if !client.redirect_uris.lines().any(|u| u == q.redirect_uri) {
        return Ok(Err(Step::Refused(AuthorizeRefusal::UnregisteredRedirect {
            app: client.name,
        })));
    }
    if q.response_type != "code" {
        return Ok(Err(error_redirect(
            state,
            q,
            "unsupported_response_type",
            "only response_type=code is supported",
        )));
    }
    let challenge_ok = q.code_challenge.len() == 43
        && q.code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if q.code_challenge_method != "S256" || !challenge_ok {
        return Ok(Err(error_redirect(
            state,
            q,
            "invalid_request",
            "PKCE is required: code_challenge (43 characters) with code_challenge_method=S256",
        )));
    }
    let allowed: Vec<&str> = client.scopes.split_whitespace().collect();
    let mut scopes = Vec::new();
    for name in q.scope.split_whitespace() {
        match OidcScope::parse(name) {
            Ok(scope) if allowed.contains(&scope.as_str()) => {
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
            _ => {
                return Ok(Err(error_redirect(
                    state,
                    q,
                    "invalid_scope",
                    &format!("scope {name:?} is not allowed for this client"),
                )))
            }
        }
    }
    if !scopes.contains(&OidcScope::OpenId) {
        return Ok(Err(error_redirect(
            state,
            q,
            "invalid_scope",
            "the openid scope is required",
        )));
    }
    // OIDC Core 1.0 §3.1.2.1: "none" with any other value is an error.
    let prompts = q.prompt.as_deref().unwrap_or("").split_whitespace().count();
    if q.prompts("none") && prompts > 1 {
        return Ok(Err(error_redirect(
            state,
            q,
            "invalid_request",
            "prompt=none cannot be combined with other values",
        )));
    }
    let max_age = match q
        .max_age
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(text) => match text.parse::<u32>() {
            Ok(seconds) => Some(i64::from(seconds)),
            Err(_) => {
                return Ok(Err(error_redirect(
                    state,
                    q,
                    "invalid_request",
                    "max_age must be a whole number of seconds",
                )))
            }
        },
    };
    Ok(Ok(Checked {
        client,
        scopes,
        max_age,
    }))
}

/// The person signed in, unless the request wants a fresher sign-in than theirs
/// (`prompt=login`, or more than `max_age` seconds ago; OIDC Core 1.0 §3.1.2.1) — then where
/// they go: to sign in (again), and back to the request without what sent them.
fn signed_in_enough<'a>(
    state: &AppState,
    q: &AuthorizeQuery,
    checked: &Checked,
    signed_in: Option<SignedIn<'a>>,
    now: i64,
) -> Result<SignedIn<'a>, Step> {
    let fresh = |at: i64| checked.max_age.is_none_or(|m| now.saturating_sub(at) <= m);
    match signed_in {
        Some((me, at)) if !q.prompts("login") && fresh(at) => Ok((me, at)),
        _ if q.prompts("none") => Err(error_redirect(
            state,
            q,
            "login_required",
            "the person is not signed in, or not recently enough",
        )),
        _ => {
            let back = format!(
                "{}?{}",
                paths::OAUTH_AUTHORIZE,
                q.signed_in_again().to_query()
            );
            Err(Step::SignIn(paths::login_url(&back)))
        }
    }
}

/// Where the request `q`, by `signed_in` (or nobody signed in), goes next.
///
/// Errors: `Internal` when a query fails.
pub async fn step(
    state: &AppState,
    ctx: &RequestContext,
    signed_in: Option<SignedIn<'_>>,
    q: &AuthorizeQuery,
    now: i64,
) -> Result<Step, AppError> {
    let checked = match check(state, q).await? {
        Ok(checked) => checked,
        Err(step) => return Ok(step),
    };
    let (me, signed_in_at) = match signed_in_enough(state, q, &checked, signed_in, now) {
        Ok(signed_in) => signed_in,
        Err(step) => return Ok(step),
    };
    let asked = scope_text(&checked.scopes);
    let remembered = grants::consent(state.pool(), me.user_id(), checked.client.id).await?;
    let covered = remembered.is_some_and(|allowed| {
        let allowed: Vec<&str> = allowed.split_whitespace().collect();
        asked.split_whitespace().all(|s| allowed.contains(&s))
    });
    if covered && !q.prompts("consent") {
        return issue(state, ctx, (me, signed_in_at), q, &checked, false, now).await;
    }
    if q.prompts("none") {
        return Ok(error_redirect(
            state,
            q,
            "consent_required",
            "the person has not allowed this app",
        ));
    }
    Ok(Step::Consent {
        app: checked.client.name,
        scopes: checked.scopes,
    })
}

/// The person's answer on the consent page: "Allow" remembers the consent and sends a code,
/// "Deny" sends `access_denied`. The request is checked again first, the freshness of the
/// sign-in too.
///
/// Errors: `Internal` when a query fails.
pub async fn decide(
    state: &AppState,
    ctx: &RequestContext,
    signed_in: SignedIn<'_>,
    q: &AuthorizeQuery,
    allow: bool,
    now: i64,
) -> Result<Step, AppError> {
    let checked = match check(state, q).await? {
        Ok(checked) => checked,
        Err(step) => return Ok(step),
    };
    let signed_in = match signed_in_enough(state, q, &checked, Some(signed_in), now) {
        Ok(signed_in) => signed_in,
        Err(step) => return Ok(step),
    };
    let me = signed_in.0;
    if !allow {
        let event = AuditEvent::new(
            AuditAction::ClientDenied,
            Some(me.user_id()),
            Some(me.user_id()),
            ctx,
        )
        .with("client_id", checked.client.client_id.as_str());
        record(state.pool(), &event, now).await?;
        return Ok(error_redirect(
            state,
            q,
            "access_denied",
            "the person denied the request",
        ));
    }
    issue(state, ctx, signed_in, q, &checked, true, now).await
}

/// A new grant and its code, audited; the redirect carrying it. The grant's `auth_time` is
/// when the person signed in.
async fn issue(
    state: &AppState,
    ctx: &RequestContext,
    (me, signed_in_at): SignedIn<'_>,
    q: &AuthorizeQuery,
    checked: &Checked,
    remember: bool,
    now: i64,
) -> Result<Step, AppError> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let code = URL_SAFE_NO_PAD.encode(bytes);
    let scopes = scope_text(&checked.scopes);
    let mut tx = begin_write(state.pool()).await?;
    if remember {
        grants::save_consent(&mut tx, me.user_id(), checked.client.id, &scopes, now).await?;
    }
    let grant = grants::NewGrant {
        user_id: me.user_id(),
        client_id: checked.client.id,
        scopes: &scopes,
        nonce: q.nonce.as_deref().filter(|n| !n.is_empty()),
        auth_time: signed_in_at,
    };
    grants::add_grant_with_code(
        &mut tx,
        &grant,
        &Sha256::digest(code.as_bytes()),
        &q.redirect_uri,
        &q.code_challenge,
        now + CODE_SECONDS,
        now,
    )
    .await?;
    let event = AuditEvent::new(
        AuditAction::ClientAuthorized,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("client_id", checked.client.client_id.as_str())
    .with("scopes", scopes.as_str());
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    let iss = issuer(state);
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = q.state.as_deref() {
        params.push(("state", s));
    }
    params.push(("iss", &iss));
    Ok(Step::Redirect(with_params(&q.redirect_uri, &params)))
}
