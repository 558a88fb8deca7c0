//! Accounts: sign-up, sign-in, sign-out, and who is signed in.

pub mod api;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::{
    domain::{DisplayName, Email, Password, Role, Theme},
    error::FieldErrors,
};

/// Paths under which every page needs a signed-in person; anonymous visitors are sent to
/// `/login?next=...`.
pub const SIGNED_IN_PREFIXES: [&str; 3] = ["/profile", "/settings", "/admin"];

/// Where a person whose password was reset by an administrator must go first.
pub const REQUIRED_PASSWORD_CHANGE: &str = "/settings/password?required=1";

/// True when `path` is a signed-in page (`/profile`, `/settings`, `/settings/...`, `/admin...`).
pub fn is_signed_in_page(path: &str) -> bool {
    SIGNED_IN_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The sign-in page that returns to `next` afterwards: `/login?next=<next, URL-encoded>`.
pub fn login_url(next: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={encoded}")
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

/// The signed-in person as every page needs them: for the header and the theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub display_name: String,
    pub theme: Theme,
    pub time_zone: String,
    pub role: Role,
    /// An administrator reset the password: every page sends the person to
    /// `/settings/password` until they choose a new one.
    pub must_change_password: bool,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The sign-up form as submitted; field names are the inputs' `name`s.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SignUpForm {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// A sign-up form that passed every field rule.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: Password,
}

impl SignUpForm {
    /// Applies the field rules; used by the browser before sending and by the server.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&self.email));
        let display_name = errors.check("display_name", DisplayName::parse(&self.display_name));
        let password = errors.check("password", Password::parse(&self.password));
        match (email, display_name, password) {
            (Some(email), Some(display_name), Some(password)) if errors.is_empty() => {
                Ok(NewAccount {
                    email,
                    display_name,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The sign-in form as submitted. Only presence is checked before sending: the password policy
/// is not applied to sign-in, so that a policy change never locks anyone out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub remember: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
}

impl LoginForm {
    /// Errors: `FieldErrors` naming an empty email or password.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.email.trim().is_empty() {
            errors.add("email", "Enter your email address");
        }
        if self.password.is_empty() {
            errors.add("password", "Enter your password");
        }
        errors.into_result(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_in_pages() {
        assert!(is_signed_in_page("/profile"));
        assert!(is_signed_in_page("/settings"));
        assert!(is_signed_in_page("/settings/password"));
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

    #[test]
    fn sign_up_form_reports_every_bad_field() {
        let form = SignUpForm {
            email: "nope".into(),
            display_name: " ".into(),
            password: "short".into(),
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.get("email").is_some());
        assert!(errors.get("display_name").is_some());
        assert!(errors.get("password").is_some());
    }

    #[test]
    fn sign_up_form_accepts_good_input() {
        let form = SignUpForm {
            email: "Ann@Example.org".into(),
            display_name: "Ann".into(),
            password: "a long enough password".into(),
        };
        let account = form.parse().unwrap();
        assert_eq!(account.email.as_str(), "ann@example.org");
    }

    #[test]
    fn login_form_needs_both_fields() {
        let errors = LoginForm::default().check().unwrap_err();
        assert_eq!(errors.get("email"), Some("Enter your email address"));
        assert_eq!(errors.get("password"), Some("Enter your password"));
    }
}
