//! Who is calling and what they may do: sign-up, sign-in (the one sign-in service), sign-out,
//! sessions and their records, personal access tokens checked into a principal, and the
//! capabilities ([`Me`], [`Admin`]) every other feature's services take. Only this module makes
//! capabilities.

pub mod api;
#[cfg(feature = "ssr")]
pub mod caller;
#[cfg(feature = "ssr")]
pub mod factors;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod links;
pub mod mail_ui;
#[cfg(feature = "ssr")]
pub mod passkeys;
#[cfg(feature = "ssr")]
pub mod second_factor;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod tokens;
pub mod ui;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub use caller::{Admin, Caller, Me};

use crate::domain::Refusal;
use crate::{
    domain::{DisplayName, Email, Language, Password, Role, Theme},
    error::FieldErrors,
};

/// What `/login/verify` offers a half-signed-in browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// An authenticator app is on: ask for its code.
    pub totp: bool,
    /// Passkeys are registered (and the site can use them).
    pub passkey: bool,
}

/// The signed-in person as every page needs them: for the header and the theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub display_name: String,
    pub theme: Theme,
    pub time_zone: String,
    /// The "Language" setting; `None`: the browser's `Accept-Language` decides.
    pub language: Option<Language>,
    pub role: Role,
    /// An administrator reset the password: every page sends the person to
    /// `/settings/password` until they choose a new one.
    pub must_change_password: bool,
    /// The account's address is confirmed (else pages offer to send the link again).
    pub email_verified: bool,
    /// The account has a second factor (authenticator app or passkey).
    pub two_factor: bool,
    /// An administrator without a second factor where `ROSTER_REQUIRE_2FA_FOR_ADMINS` is on:
    /// the console stays closed (pages send them to `/settings/security?required=1`).
    pub second_factor_required: bool,
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
            errors.refuse("email", Refusal::EmailMissing);
        }
        if self.password.is_empty() {
            errors.refuse("password", Refusal::PasswordNotEntered);
        }
        errors.into_result(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
