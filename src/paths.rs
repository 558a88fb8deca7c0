//! Every path of the site, spelled once (Kanidm's `views/constants.rs` `enum Urls` does the
//! same): the pages' routes, the links between them, the redirects of the server functions and
//! the other endpoints the router mounts. UI.md lists them for people; this module is what the
//! code reads.
//!
//! Pages are routed through [`Route`], a matcher built from the same constant the links use,
//! so a route and its links cannot drift apart. The one exception is the server functions'
//! `#[server(prefix = "/fn", endpoint = "...")]`: the macro takes literals only, so their
//! prefix is written there and checked against [`FN_PREFIX`] by a test.

use std::borrow::Cow;

use leptos_router::{PartialPathMatch, PathSegment, PossibleRouteMatch};

/// The start page.
pub const HOME: &str = "/";
/// Create an account.
pub const SIGN_UP: &str = "/signup";
/// Sign in; `?next=/local/path` returns there afterwards.
pub const LOGIN: &str = "/login";
/// The second factor after a correct password (the half-signed-in state).
pub const LOGIN_VERIFY: &str = "/login/verify";
/// Passkey sign-in: the WebAuthn options (POST, JSON; JavaScript only).
pub const PASSKEY_LOGIN_OPTIONS: &str = "/login/passkey/options";
/// Passkey sign-in: the browser's assertion (POST, JSON; JavaScript only).
pub const PASSKEY_LOGIN: &str = "/login/passkey";
/// Ask for a password reset link ("Forgot password?").
pub const PASSWORD_FORGOT: &str = "/password/forgot";
/// Choose a new password through a mailed link (`?token=...`).
pub const PASSWORD_RESET: &str = "/password/reset";
/// Confirm an address through a mailed link (`?token=...`).
pub const VERIFY_EMAIL: &str = "/verify-email";
/// The person's own profile.
pub const PROFILE: &str = "/profile";
/// The settings area (its first tab: preferences).
pub const SETTINGS: &str = "/settings";
/// Change the password.
pub const SETTINGS_PASSWORD: &str = "/settings/password";
/// The person's sessions.
pub const SETTINGS_SESSIONS: &str = "/settings/sessions";
/// Personal access tokens.
pub const SETTINGS_TOKENS: &str = "/settings/tokens";
/// Second factors: authenticator app, recovery codes, passkeys.
pub const SETTINGS_SECURITY: &str = "/settings/security";
/// A new passkey: the WebAuthn options (POST, JSON; JavaScript only).
pub const PASSKEY_REGISTER_OPTIONS: &str = "/settings/security/passkeys/options";
/// A new passkey: the browser's attestation (POST, JSON; JavaScript only).
pub const PASSKEY_REGISTER: &str = "/settings/security/passkeys";
/// The apps allowed to sign the person in (OpenID Connect).
pub const SETTINGS_APPS: &str = "/settings/apps";
/// Export data, delete the account.
pub const SETTINGS_ACCOUNT: &str = "/settings/account";
/// The download of the person's own data (a plain GET handler, not a page).
pub const ACCOUNT_EXPORT: &str = "/settings/account/export";
/// The API reference page.
pub const API_DOCS: &str = "/api/docs";
/// The OpenAPI document.
pub const OPENAPI_JSON: &str = "/api/openapi.json";
/// Where the JSON API is mounted.
pub const API_V1: &str = "/api/v1";
/// The admin console's user list.
pub const ADMIN_USERS: &str = "/admin/users";
/// Create a user.
pub const ADMIN_USERS_NEW: &str = "/admin/users/new";
/// Import users from CSV.
pub const ADMIN_USERS_IMPORT: &str = "/admin/users/import";
/// One user's page (route pattern; links use [`admin_user`]).
pub const ADMIN_USER: &str = "/admin/users/:id";
/// The user list as CSV (same query parameters as the list).
pub const ADMIN_EXPORT_CSV: &str = "/admin/users/export.csv";
/// The user list as JSON.
pub const ADMIN_EXPORT_JSON: &str = "/admin/users/export.json";
/// The audit trail.
pub const ADMIN_AUDIT: &str = "/admin/audit";
/// Every mail Roster wrote, and its fate.
pub const ADMIN_OUTBOX: &str = "/admin/outbox";
/// OpenID Connect discovery (the provider's metadata).
pub const OIDC_DISCOVERY: &str = "/.well-known/openid-configuration";
/// The authorization endpoint: the consent page of "Sign in with Roster".
pub const OAUTH_AUTHORIZE: &str = "/oauth/authorize";
/// The token endpoint (POST, form).
pub const OAUTH_TOKEN: &str = "/oauth/token";
/// RP-initiated logout (the `end_session_endpoint`): asks, then signs out of Roster.
pub const OAUTH_LOGOUT: &str = "/oauth/logout";
/// Token revocation (RFC 7009; POST, form).
pub const OAUTH_REVOKE: &str = "/oauth/revoke";
/// Token introspection (RFC 7662; POST, form; confidential clients).
pub const OAUTH_INTROSPECT: &str = "/oauth/introspect";
/// The userinfo endpoint (Bearer access token).
pub const OAUTH_USERINFO: &str = "/oauth/userinfo";
/// The OpenID Connect provider's public keys (JWKS, RFC 7517).
pub const OAUTH_JWKS: &str = "/oauth/jwks.json";
/// OpenID Connect clients (relying parties).
pub const ADMIN_CLIENTS: &str = "/admin/clients";
/// Liveness.
pub const HEALTHZ: &str = "/healthz";
/// Readiness.
pub const READYZ: &str = "/readyz";
/// Prometheus metrics.
pub const METRICS: &str = "/metrics";
/// Where server functions are mounted (the `prefix` of every `#[server]`).
pub const FN_PREFIX: &str = "/fn";
/// Where the built wasm, JS and CSS are served from.
pub const PKG_PREFIX: &str = "/pkg";

/// The hidden field of every form that names the page the form is on (path and query), so a
/// form posted without JavaScript comes back to its page even from a browser that sends no
/// `Referer` (`components::ReturnTo`, `server::middleware::form_return_page`).
pub const RETURN_FIELD: &str = "__page";

/// Debug builds started with `ROSTER_TEST_HANGS=1` only: a request that blocks the runtime
/// worker serving it (tests of the watchdog and of a bounded shutdown).
pub const TEST_HANG_WORKER: &str = "/__test/hang-worker";
/// Debug builds with `ROSTER_TEST_HANGS=1` only: starts a blocking task that never ends.
pub const TEST_HANG_BLOCKING: &str = "/__test/hang-blocking";

/// Paths under which every page needs a signed-in person; anonymous visitors are sent to
/// `/login?next=...`.
pub const SIGNED_IN_PREFIXES: [&str; 3] = [PROFILE, SETTINGS, "/admin"];

/// Where an administrator without a second factor goes first when
/// `ROSTER_REQUIRE_2FA_FOR_ADMINS` is on.
pub const REQUIRED_SECOND_FACTOR: &str = "/settings/security?required=1";

/// Where a person whose password was reset by an administrator must go first.
pub const REQUIRED_PASSWORD_CHANGE: &str = "/settings/password?required=1";

/// `/admin/users/{id}`.
pub fn admin_user(id: i64) -> String {
    format!("{ADMIN_USERS}/{id}")
}

/// `path` with one query parameter `key=1`, the flag a page reads after a plain-form redirect
/// (e.g. `/profile?saved=1`).
pub fn flagged(path: &str, key: &str) -> String {
    format!("{path}?{key}=1")
}

/// True when `path` is a signed-in page (`/profile`, `/settings`, `/settings/...`, `/admin...`).
pub fn is_signed_in_page(path: &str) -> bool {
    SIGNED_IN_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// True when `path` is a page of the admin console (`/admin`, `/admin/...`).
pub fn is_admin_page(path: &str) -> bool {
    path.strip_prefix("/admin")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The sign-in page that returns to `next` afterwards: `/login?next=<next, URL-encoded>`.
pub fn login_url(next: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{LOGIN}?next={encoded}")
}

/// `next` if it is a path on this site (`/x...`), else `None`: never `//host`, `/\host`, a
/// scheme, or anything with control characters, so sign-in cannot be turned into an open
/// redirect (OWASP ASVS 4.0.3 V5.1.5; `shared/SECURITY.md`, Requests).
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let local = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && !next.chars().any(|c| c.is_control() || c == '\\');
    local.then_some(next)
}

/// A route of the page router made from one of the constants above, e.g.
/// `Route(paths::SETTINGS_PASSWORD)`, or, inside a parent route, the part below it:
/// `Route::below(paths::SETTINGS, paths::SETTINGS_PASSWORD)` matches `/password`. Segments
/// starting with `:` are parameters (`/admin/users/:id`). It matches exactly what the
/// `leptos_router::path!` macro would for the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route(pub &'static str);

impl Route {
    /// The part of `path` below `parent` (`path` must start with it; else the whole `path`).
    pub fn below(parent: &'static str, path: &'static str) -> Self {
        Self(path.strip_prefix(parent).unwrap_or(path))
    }

    fn segments(self) -> impl Iterator<Item = &'static str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }
}

impl PossibleRouteMatch for Route {
    fn optional(&self) -> bool {
        false
    }

    fn test<'a>(&self, path: &'a str) -> Option<PartialPathMatch<'a>> {
        let mut params = Vec::new();
        let mut at = 0;
        for segment in self.segments() {
            let rest = &path[at..];
            let rest = rest.strip_prefix('/')?;
            let end = rest.find('/').unwrap_or(rest.len());
            let part = &rest[..end];
            if let Some(name) = segment.strip_prefix(':') {
                if part.is_empty() {
                    return None;
                }
                params.push((Cow::Borrowed(name), part.to_string()));
            } else if part != segment {
                return None;
            }
            at += 1 + end;
        }
        // A route of no segments ("/" or "") matches without eating anything, as
        // `StaticSegment("")` does.
        Some(PartialPathMatch::new(&path[at..], params, &path[..at]))
    }

    fn generate_path(&self, path: &mut Vec<PathSegment>) {
        for segment in self.segments() {
            path.push(match segment.strip_prefix(':') {
                Some(name) => PathSegment::Param(name.into()),
                None => PathSegment::Static(segment.into()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a route matched: the matched part, the rest, and the parameters.
    type Matched = (String, String, Vec<(String, String)>);

    fn matched(route: Route, path: &str) -> Option<Matched> {
        route.test(path).map(|m| {
            (
                m.matched().to_string(),
                m.remaining().to_string(),
                m.params()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        })
    }

    #[test]
    fn routes_match_their_own_path_and_nothing_longer_or_shorter() {
        let r = Route(SETTINGS_PASSWORD);
        assert_eq!(
            matched(r, "/settings/password"),
            Some(("/settings/password".into(), "".into(), vec![]))
        );
        assert_eq!(
            matched(r, "/settings/password/x"),
            Some(("/settings/password".into(), "/x".into(), vec![]))
        );
        assert_eq!(matched(r, "/settings/passwordx"), None);
        assert_eq!(matched(r, "/settings"), None);
        assert_eq!(matched(r, "/other/password"), None);
    }

    #[test]
    fn parameters_are_read_and_must_not_be_empty() {
        let r = Route(ADMIN_USER);
        assert_eq!(
            matched(r, "/admin/users/42"),
            Some((
                "/admin/users/42".into(),
                "".into(),
                vec![("id".into(), "42".into())]
            ))
        );
        assert_eq!(matched(r, "/admin/users/"), None);
    }

    #[test]
    fn a_route_below_its_parent_matches_the_rest() {
        let r = Route::below(SETTINGS, SETTINGS_TOKENS);
        assert_eq!(r, Route("/tokens"));
        assert!(matched(r, "/tokens").is_some());
        let root = Route::below(SETTINGS, SETTINGS);
        assert_eq!(matched(root, ""), Some(("".into(), "".into(), vec![])));
        let mut segments = Vec::new();
        Route(HOME).generate_path(&mut segments);
        assert!(segments.is_empty(), "as path!(\"/\") gives ()");
    }

    #[test]
    fn generated_paths_name_static_and_parameter_segments() {
        let mut segments = Vec::new();
        Route(ADMIN_USER).generate_path(&mut segments);
        assert_eq!(
            segments,
            vec![
                PathSegment::Static("admin".into()),
                PathSegment::Static("users".into()),
                PathSegment::Param("id".into()),
            ]
        );
    }

    #[test]
    fn signed_in_pages() {
        assert!(is_signed_in_page("/profile"));
        assert!(is_signed_in_page("/settings"));
        assert!(is_signed_in_page("/settings/password"));
        assert!(is_signed_in_page("/admin/users"));
        assert!(!is_signed_in_page("/profiles"));
        assert!(!is_signed_in_page("/settingsx"));
        assert!(!is_signed_in_page("/login"));
        assert!(!is_signed_in_page("/"));
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/profile"), Some("/profile"));
        assert_eq!(safe_next("/settings?tab=1"), Some("/settings?tab=1"));
        assert_eq!(safe_next("/"), Some("/"));
        for bad in [
            "",
            "profile",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/a\nb",
            "/a\\b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?} was accepted");
        }
    }

    #[test]
    fn login_url_encodes_next() {
        assert_eq!(
            login_url("/settings?a=1&b=2"),
            "/login?next=%2Fsettings%3Fa%3D1%26b%3D2"
        );
    }
}
