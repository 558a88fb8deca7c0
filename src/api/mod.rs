//! Personal access tokens and the token-authorized JSON API under `/api/v1`, with its OpenAPI
//! description (`/api/openapi.json`) and reference page (`/api/docs`).
//!
//! Tokens are made and revoked only on `/settings/tokens`, by a signed-in person (a token
//! cannot make tokens; `shared/SECURITY.md`, API tokens). The API itself takes nothing but
//! `Authorization: Bearer roster_pat_...` and runs the same domain functions as the forms.

#[cfg(feature = "ssr")]
pub mod problem;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod tokens;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod v1;

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;

/// Every token starts with this, so secret scanners and people can tell what it is.
pub const TOKEN_PREFIX: &str = "roster_pat_";

/// Most tokens one person may hold at once (expired ones count until revoked).
pub const MAX_TOKENS_PER_USER: i64 = 50;

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// What a personal access token may do. A call needs its operation's scope; the `users:*`
/// scopes also need the owner to be an active administrator at the time of the call, so a
/// demoted administrator's tokens lose them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// `profile:read`: read one's own profile and settings.
    ProfileRead,
    /// `profile:write`: change one's own profile and settings.
    ProfileWrite,
    /// `users:read`: list and read every user (administrators only).
    UsersRead,
    /// `users:write`: create, change and delete users (administrators only).
    UsersWrite,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ProfileRead,
        Scope::ProfileWrite,
        Scope::UsersRead,
        Scope::UsersWrite,
    ];

    /// The scope's name as tokens, the OpenAPI document and errors spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ProfileRead => "profile:read",
            Scope::ProfileWrite => "profile:write",
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
        }
    }

    /// Parses a scope name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Only an administrator may hold (and use) this scope.
    pub fn admin_only(self) -> bool {
        matches!(self, Scope::UsersRead | Scope::UsersWrite)
    }

    /// What the scope allows, as the token form explains it.
    pub fn description(self) -> &'static str {
        match self {
            Scope::ProfileRead => "Read your profile and settings",
            Scope::ProfileWrite => "Change your profile and settings",
            Scope::UsersRead => "List and read all users (administrators)",
            Scope::UsersWrite => "Create, change and delete users (administrators)",
        }
    }

    /// The form field of the scope's checkbox on `/settings/tokens`.
    pub fn field(self) -> &'static str {
        match self {
            Scope::ProfileRead => "profile_read",
            Scope::ProfileWrite => "profile_write",
            Scope::UsersRead => "users_read",
            Scope::UsersWrite => "users_write",
        }
    }
}

/// How long a new token lives: the choices of the "Expires" menu, as (form value, label,
/// days; `None` never expires). The first is the default.
pub const EXPIRY_CHOICES: [(&str, &str, Option<u32>); 5] = [
    ("30", "30 days", Some(30)),
    ("7", "7 days", Some(7)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "No expiry", None),
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
    /// Checks the form: a name of 1 to [`MAX_TOKEN_NAME_CHARS`] characters without control
    /// characters, at least one scope, a known expiry. Whether the person may hold an
    /// administrators' scope is checked on the server.
    ///
    /// Errors: `FieldErrors` at `name`, `scopes` and `expires`.
    pub fn parse(&self) -> Result<NewToken, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add(
                "name",
                "Give the token a name, such as where it will be used",
            );
        } else if name.chars().count() > MAX_TOKEN_NAME_CHARS {
            errors.add(
                "name",
                format!("Use at most {MAX_TOKEN_NAME_CHARS} characters"),
            );
        } else if name.chars().any(char::is_control) {
            errors.add("name", "Use letters, digits, spaces and punctuation only");
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
            errors.add("scopes", "Choose at least one scope");
        }
        let expires = EXPIRY_CHOICES
            .iter()
            .find(|(value, _, _)| *value == self.expires.trim());
        if expires.is_none() {
            errors.add("expires", "Choose when the token expires");
        }
        errors.into_result(|| NewToken {
            name: name.to_string(),
            scopes,
            expires_in_days: expires.and_then(|(_, _, days)| *days),
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

/// One operation of the API, as the reference page lists it (read from the OpenAPI document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub scope: Option<String>,
    /// `(name, where, required, description)`.
    pub parameters: Vec<(String, String, bool, String)>,
    /// The request body's fields: `(name, type, required)`.
    pub body_fields: Vec<(String, String, bool)>,
    /// `(status, description)`.
    pub responses: Vec<(String, String)>,
}

/// One problem type of the API's errors: `(slug, status, title, when)`.
pub type ProblemTypeDoc = (String, u16, String, String);

/// The API reference page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub operations: Vec<ApiOperation>,
    pub problems: Vec<ProblemTypeDoc>,
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
    fn scopes_round_trip_by_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("users:admin"), None);
        assert!(Scope::UsersWrite.admin_only() && !Scope::ProfileWrite.admin_only());
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
