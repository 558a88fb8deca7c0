//! Personal access tokens as their owners manage them on `/settings/tokens`: the form and its
//! rules, the list, and the service that makes and revokes them (a token cannot make tokens;
//! `shared/SECURITY.md`, API tokens). Checking a token is `auth::tokens`'.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::domain::Refusal;
use crate::{domain::Scope, error::FieldErrors};

/// Most tokens one person may hold at once (expired ones count until revoked).
pub const MAX_TOKENS_PER_USER: i64 = 50;

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// How long a new token lives: the choices of the "Expires" menu, as (form value, days;
/// `None` never expires). The first is the default; the menu's labels are in the catalogue
/// (`tokens.expiry_<value>`).
pub const EXPIRY_CHOICES: [(&str, Option<u32>); 5] = [
    ("30", Some(30)),
    ("7", Some(7)),
    ("90", Some(90)),
    ("365", Some(365)),
    ("never", None),
];

/// The new-token form as submitted: a name, one checkbox per scope (present when ticked) and
/// an expiry choice from [`EXPIRY_CHOICES`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewTokenForm {
    pub name: String,
    #[serde(default)]
    pub profile_read: Option<String>,
    #[serde(default)]
    pub profile_write: Option<String>,
    #[serde(default)]
    pub users_read: Option<String>,
    #[serde(default)]
    pub users_write: Option<String>,
    pub expires: String,
}

/// A new-token form that passed every field rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    /// At least one, in [`Scope::ALL`] order.
    pub scopes: Vec<Scope>,
    /// Lifetime in days; `None` never expires.
    pub expires_in_days: Option<u32>,
}

impl NewTokenForm {
    /// The form as the command line fills it: scopes by name.
    ///
    /// Errors (as a message): a scope name that does not exist.
    pub fn from_scope_names(name: &str, scopes: &[String], expires: &str) -> Result<Self, String> {
        let mut form = Self {
            name: name.into(),
            expires: expires.into(),
            ..Default::default()
        };
        for scope in scopes {
            let tick = Some("on".to_string());
            match Scope::parse(scope) {
                Some(Scope::ProfileRead) => form.profile_read = tick,
                Some(Scope::ProfileWrite) => form.profile_write = tick,
                Some(Scope::UsersRead) => form.users_read = tick,
                Some(Scope::UsersWrite) => form.users_write = tick,
                None => return Err(format!("unknown scope {scope:?}")),
            }
        }
        Ok(form)
    }

    /// Checks the form: a name of 1 to [`MAX_TOKEN_NAME_CHARS`] characters without control
    /// characters, at least one scope, a known expiry. Whether the person may hold an
    /// administrators' scope is checked on the server.
    ///
    /// Errors: `FieldErrors` at `name`, `scopes` and `expires`.
    pub fn parse(&self) -> Result<NewToken, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.refuse("name", Refusal::TokenNameMissing);
        } else if name.chars().count() > MAX_TOKEN_NAME_CHARS {
            errors.refuse(
                "name",
                Refusal::TooLong {
                    max: MAX_TOKEN_NAME_CHARS,
                },
            );
        } else if name.chars().any(char::is_control) {
            errors.refuse("name", Refusal::PrintableOnly);
        }
        let ticked = [
            &self.profile_read,
            &self.profile_write,
            &self.users_read,
            &self.users_write,
        ];
        let scopes: Vec<Scope> = Scope::ALL
            .into_iter()
            .zip(ticked)
            .filter(|(_, on)| on.is_some())
            .map(|(scope, _)| scope)
            .collect();
        if scopes.is_empty() {
            errors.refuse("scopes", Refusal::ChooseScope);
        }
        let expires = EXPIRY_CHOICES
            .iter()
            .find(|(value, _)| *value == self.expires.trim());
        if expires.is_none() {
            errors.refuse("expires", Refusal::ChooseExpiry);
        }
        errors.into_result(|| NewToken {
            name: name.to_string(),
            scopes,
            expires_in_days: expires.and_then(|(_, days)| *days),
        })
    }
}

/// One token in the list on `/settings/tokens`; times in the owner's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created: String,
    /// `None`: never expires.
    pub expires: Option<String>,
    pub expired: bool,
    /// `None`: never used.
    pub last_used: Option<String>,
}

/// What `/settings/tokens` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub tokens: Vec<TokenView>,
    /// Right after "Create token": the new token's text, shown this once.
    pub new_token: Option<String>,
    /// The administrators' scopes are offered.
    pub is_admin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, scopes: &[&str], expires: &str) -> NewTokenForm {
        let on = |field: &str| scopes.contains(&field).then(|| "on".to_string());
        NewTokenForm {
            name: name.into(),
            profile_read: on("profile_read"),
            profile_write: on("profile_write"),
            users_read: on("users_read"),
            users_write: on("users_write"),
            expires: expires.into(),
        }
    }

    #[test]
    fn a_good_form_gives_its_scopes_in_order() {
        let token = form(" ci ", &["users_read", "profile_read"], "never")
            .parse()
            .unwrap();
        assert_eq!(token.name, "ci");
        assert_eq!(token.scopes, vec![Scope::ProfileRead, Scope::UsersRead]);
        assert_eq!(token.expires_in_days, None);
        assert_eq!(
            form("x", &["profile_read"], "7")
                .parse()
                .unwrap()
                .expires_in_days,
            Some(7)
        );
    }

    #[test]
    fn each_bad_field_gets_its_message() {
        let errors = form("", &[], "forever").parse().unwrap_err();
        for field in ["name", "scopes", "expires"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let long = "x".repeat(MAX_TOKEN_NAME_CHARS + 1);
        assert!(form(&long, &["profile_read"], "30").parse().is_err());
        assert!(form("a\u{7}b", &["profile_read"], "30").parse().is_err());
    }
}
