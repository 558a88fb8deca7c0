//! "Sign in with Roster": an OpenID Connect provider (OIDC Core 1.0 on OAuth 2.0 with the
//! OAuth 2.1 / RFC 9700 rules) for the other apps people run. This part: the clients (relying
//! parties) and their rules, the signing keys and the JWKS that publishes them. The
//! authorization code flow, tokens, userinfo, revocation, introspection and logout build on it.

pub mod api;
pub mod apps;
#[cfg(feature = "ssr")]
pub mod authorize;
#[cfg(feature = "ssr")]
pub mod clients;
#[cfg(feature = "ssr")]
pub mod endpoints;
#[cfg(feature = "ssr")]
pub mod introspect;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod token;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::{
    domain::Refusal,
    error::FieldErrors,
    i18n::{fill, td_string, Locale},
};

/// Most redirect URIs (and, apart, post-logout redirect URIs) one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI, in characters.
pub const MAX_URI_CHARS: usize = 2000;
/// Longest client name, in characters.
pub const MAX_CLIENT_NAME_CHARS: usize = 100;

/// What an app may ask to know (OIDC Core 1.0 §5.4), as the `scope` parameter names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OidcScope {
    /// `openid`: sign-in itself; the ID token with `sub`, the person's stable random id.
    OpenId,
    /// `profile`: `name`, `zoneinfo`, `locale`, `website`, `updated_at`.
    Profile,
    /// `email`: `email`, `email_verified`.
    Email,
    /// `offline_access`: a refresh token, so the app keeps access while the person is away.
    OfflineAccess,
}

impl OidcScope {
    pub const ALL: [OidcScope; 4] = [
        OidcScope::OpenId,
        OidcScope::Profile,
        OidcScope::Email,
        OidcScope::OfflineAccess,
    ];

    /// The scope's name in requests (`openid`, `profile`, `email`, `offline_access`).
    pub fn as_str(self) -> &'static str {
        match self {
            OidcScope::OpenId => "openid",
            OidcScope::Profile => "profile",
            OidcScope::Email => "email",
            OidcScope::OfflineAccess => "offline_access",
        }
    }

    /// The scope named `name`.
    ///
    /// Errors: `Refusal::UnknownScope` for a name of no scope Roster offers.
    pub fn parse(name: &str) -> Result<Self, Refusal> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(Refusal::UnknownScope)
    }
}

/// The query of `/oauth/authorize` (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core 1.0 §3.1.2.1);
/// a missing parameter reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeQuery {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub code_challenge: String,
    #[serde(default)]
    pub code_challenge_method: String,
    #[serde(default)]
    pub prompt: Option<String>,
    /// Seconds since the person's sign-in beyond which they must sign in again (OIDC Core 1.0
    /// §3.1.2.1), as sent.
    #[serde(default)]
    pub max_age: Option<String>,
}

impl AuthorizeQuery {
    /// Whether `prompt` (a space-separated list) holds `value` (`none`, `login`, `consent`).
    pub fn prompts(&self, value: &str) -> bool {
        self.prompt
            .as_deref()
            .is_some_and(|p| p.split_whitespace().any(|v| v == value))
    }

    /// This request with `login` taken out of `prompt` and without `max_age`: where a person
    /// who is sent to sign in again returns to (asking again would never end, and `max_age=0`
    /// is never met).
    pub fn signed_in_again(&self) -> Self {
        let rest: Vec<&str> = self
            .prompt
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .filter(|v| *v != "login")
            .collect();
        Self {
            prompt: (!rest.is_empty()).then(|| rest.join(" ")),
            max_age: None,
            ..self.clone()
        }
    }

    /// The request as the query of `/oauth/authorize` it came in.
    pub fn to_query(&self) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        url.append_pair("response_type", &self.response_type)
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &self.scope)
            .append_pair("code_challenge", &self.code_challenge)
            .append_pair("code_challenge_method", &self.code_challenge_method);
        for (key, value) in [
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("prompt", &self.prompt),
            ("max_age", &self.max_age),
        ] {
            if let Some(value) = value {
                url.append_pair(key, value);
            }
        }
        url.finish()
    }
}

/// What `scope` shares, as the consent page, `/settings/apps` and the client form say it, in
/// `locale`.
pub fn shares(locale: Locale, scope: OidcScope) -> &'static str {
    match scope {
        OidcScope::OpenId => td_string!(locale, oidc.shares_openid),
        OidcScope::Profile => td_string!(locale, oidc.shares_profile),
        OidcScope::Email => td_string!(locale, oidc.shares_email),
        OidcScope::OfflineAccess => td_string!(locale, oidc.shares_offline_access),
    }
}

/// Why `/oauth/authorize` answers with a page instead of a redirect to the app (RFC 6749
/// §4.1.2.1: an unknown client or an unregistered redirect URI must not be redirected to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizeRefusal {
    /// No such client, or an administrator turned it off.
    UnknownApp,
    /// The client `app` (its name) asked for a redirect URI it did not register.
    UnregisteredRedirect { app: String },
}

impl AuthorizeRefusal {
    /// The page's sentence in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        match self {
            AuthorizeRefusal::UnknownApp => td_string!(locale, oidc.refused_unknown_app).into(),
            AuthorizeRefusal::UnregisteredRedirect { app } => fill(
                td_string!(locale, oidc.refused_unregistered_redirect),
                &[("app", app)],
            ),
        }
    }
}

/// What `/oauth/authorize` shows when it does not redirect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizeView {
    /// "Allow {app} to use your account?" with what each scope shares ([`shares`]).
    Consent { app: String, scopes: Vec<OidcScope> },
    /// A request Roster may not answer by redirecting.
    Refused(AuthorizeRefusal),
    /// The browser is being sent on (to the app, or to sign in).
    Redirecting,
}

/// An app the person allowed, as `/settings/apps` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedAppView {
    /// The client's row id (for "Revoke access").
    pub id: i64,
    pub name: String,
    /// What it may know (the consent page words each with [`shares`]).
    pub scopes: Vec<OidcScope>,
    /// When it was allowed, in the viewer's time zone.
    pub allowed: String,
}

/// Scopes as the `scope` parameter and the `oauth_clients.scopes` column write them:
/// space-separated, in [`OidcScope::ALL`]'s order, each once.
pub fn scope_text(scopes: &[OidcScope]) -> String {
    OidcScope::ALL
        .into_iter()
        .filter(|s| scopes.contains(s))
        .map(OidcScope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks one redirect URI (RFC 9700 §2.1, §4.1.1; RFC 8252 §7.3): an absolute `https` URL, or
/// `http` on the loopback host (`localhost`, `127.0.0.1`, `[::1]`, for apps on the person's
/// own machine); no fragment, no user info. It is kept as written: requests must repeat it
/// exactly.
///
/// Errors: `UriTooLong` over [`MAX_URI_CHARS`], `UriNotAbsolute`, `RedirectUriScheme`,
/// `RedirectUriFragment`, `RedirectUriCredentials` (the form quotes the URI before them).
pub fn parse_redirect_uri(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.chars().count() > MAX_URI_CHARS {
        return Err(Refusal::UriTooLong { max: MAX_URI_CHARS });
    }
    let url = url::Url::parse(text).map_err(|_| Refusal::UriNotAbsolute)?;
    let loopback = matches!(
        url.host(),
        Some(url::Host::Domain("localhost"))
            | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
            | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if loopback => {}
        _ => return Err(Refusal::RedirectUriScheme),
    }
    if url.fragment().is_some() || text.contains('#') {
        return Err(Refusal::RedirectUriFragment);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::RedirectUriCredentials);
    }
    Ok(text.to_string())
}

/// How tokens are signed (RFC 7518 §3.1, RFC 8037 §3.1): `RS256` with RSA 2048, which every
/// relying party must accept (OIDC Core 1.0 §15.1), or `EdDSA` with Ed25519, smaller and
/// faster, for apps that accept it. A client's ID tokens use its choice
/// (`id_token_signed_response_alg`, OpenID Connect Dynamic Client Registration 1.0 §2); access
/// tokens are always RS256 (RFC 9068 §2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    Rs256,
    EdDsa,
}

impl SigningAlg {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [SigningAlg; 2] = [SigningAlg::Rs256, SigningAlg::EdDsa];

    /// The JOSE name: `RS256` or `EdDSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Rs256 => "RS256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    /// `name` as an algorithm (an empty one is RS256).
    ///
    /// Errors: `Refusal::UnknownSigningAlg` for a name that is neither.
    pub fn parse(name: &str) -> Result<Self, Refusal> {
        match name.trim() {
            "" | "RS256" => Ok(SigningAlg::Rs256),
            "EdDSA" => Ok(SigningAlg::EdDsa),
            _ => Err(Refusal::UnknownSigningAlg),
        }
    }
}

/// A new client as an administrator (or `roster client create`) describes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientForm {
    pub name: String,
    /// One URI a line.
    pub redirect_uris: String,
    /// One URI a line; may be empty.
    pub post_logout_redirect_uris: String,
    /// A public client (an app in a browser or on a device) has no secret and must use PKCE.
    pub public: bool,
    /// Scope names; empty means `openid profile email`.
    pub scopes: Vec<String>,
    /// How its ID tokens are signed: `RS256` (also when empty) or `EdDSA`.
    #[serde(default)]
    pub id_token_alg: String,
}

/// A client form that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub scopes: Vec<OidcScope>,
    pub id_token_alg: SigningAlg,
}

impl ClientForm {
    /// Applies the rules: a name of 1 to [`MAX_CLIENT_NAME_CHARS`] characters; 1 to
    /// [`MAX_REDIRECT_URIS`] redirect URIs and at most as many post-logout ones, each passing
    /// [`parse_redirect_uri`]; known scopes, `openid` always among them.
    ///
    /// Errors: `FieldErrors` at `name`, `redirect_uris`, `post_logout_redirect_uris`, `scopes`,
    /// `id_token_alg`.
    pub fn parse(&self) -> Result<NewClient, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.refuse("name", Refusal::ClientNameMissing);
        } else if name.chars().count() > MAX_CLIENT_NAME_CHARS {
            errors.refuse(
                "name",
                Refusal::TooLong {
                    max: MAX_CLIENT_NAME_CHARS,
                },
            );
        } else if name.chars().any(char::is_control) {
            errors.refuse("name", Refusal::PrintableOnly);
        }
        let redirect_uris = uris(&self.redirect_uris, "redirect_uris", &mut errors);
        if redirect_uris.is_empty() && errors.get("redirect_uris").is_none() {
            errors.refuse("redirect_uris", Refusal::RedirectUriMissing);
        }
        let post_logout = uris(
            &self.post_logout_redirect_uris,
            "post_logout_redirect_uris",
            &mut errors,
        );
        let mut scopes = vec![OidcScope::OpenId];
        for name in self.scopes.iter().flat_map(|s| s.split_whitespace()) {
            match OidcScope::parse(name) {
                Ok(scope) if !scopes.contains(&scope) => scopes.push(scope),
                Ok(_) => {}
                Err(refusal) => errors.refuse_quoting("scopes", refusal, name),
            }
        }
        if self.scopes.iter().all(|s| s.trim().is_empty()) {
            scopes = vec![OidcScope::OpenId, OidcScope::Profile, OidcScope::Email];
        }
        let id_token_alg = SigningAlg::parse(&self.id_token_alg).unwrap_or_else(|refusal| {
            errors.refuse_quoting("id_token_alg", refusal, self.id_token_alg.trim());
            SigningAlg::Rs256
        });
        errors.into_result(|| NewClient {
            name,
            redirect_uris,
            post_logout_redirect_uris: post_logout,
            public: self.public,
            scopes,
            id_token_alg,
        })
    }
}

fn uris(text: &str, field: &str, errors: &mut FieldErrors) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match parse_redirect_uri(line) {
            Ok(uri) if !kept.contains(&uri) => kept.push(uri),
            Ok(_) => {}
            // A URI too long to quote is refused as it is.
            Err(refusal @ Refusal::UriTooLong { .. }) => {
                errors.refuse(field, refusal);
                return Vec::new();
            }
            Err(refusal) => {
                errors.refuse_quoting(field, refusal, line);
                return Vec::new();
            }
        }
    }
    if kept.len() > MAX_REDIRECT_URIS {
        errors.refuse(
            field,
            Refusal::TooManyUris {
                max: MAX_REDIRECT_URIS,
            },
        );
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_and_exact() {
        for good in [
            "https://wiki.example.org/oauth2/callback",
            "https://app.example.org/cb?tenant=1",
            "http://localhost:4180/oauth2/callback",
            "http://127.0.0.1:8080/cb",
            "http://[::1]:8080/cb",
        ] {
            assert_eq!(parse_redirect_uri(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "http://wiki.example.org/cb",
            "https://app.example.org/cb#frag",
            "https://user:pw@app.example.org/cb",
            "/relative/cb",
            "javascript:alert(1)",
            "com.example.app:/cb",
        ] {
            assert!(parse_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_client_form_is_checked_field_by_field() {
        let form = ClientForm {
            name: " Wiki ".into(),
            redirect_uris: "https://wiki.example.org/cb\n\nhttps://wiki.example.org/cb\n".into(),
            scopes: vec!["email offline_access".into()],
            ..ClientForm::default()
        };
        let client = form.parse().unwrap();
        assert_eq!(client.name, "Wiki");
        assert_eq!(client.redirect_uris, ["https://wiki.example.org/cb"]);
        assert_eq!(
            scope_text(&client.scopes),
            "openid email offline_access",
            "openid always"
        );
        let defaults = ClientForm {
            name: "App".into(),
            redirect_uris: "https://a.example/cb".into(),
            ..ClientForm::default()
        };
        assert_eq!(
            scope_text(&defaults.parse().unwrap().scopes),
            "openid profile email"
        );
        let errors = ClientForm {
            scopes: vec!["admin".into()],
            post_logout_redirect_uris: "http://evil.example/".into(),
            ..ClientForm::default()
        }
        .parse()
        .unwrap_err();
        for field in [
            "name",
            "redirect_uris",
            "post_logout_redirect_uris",
            "scopes",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
