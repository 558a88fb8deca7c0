//! The account's security pages: `/settings/sessions` (list and end sessions),
//! `/settings/password` (change it) and `/settings/account` (export data, delete the account),
//! with their server functions and the service behind them.

pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

pub use crate::domain::describe_user_agent;
use crate::domain::Refusal;
use crate::{
    domain::{Email, Password},
    error::FieldErrors,
};

/// The change-password form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangePasswordForm {
    pub current_password: String,
    pub new_password: String,
    /// "Also revoke my personal access tokens": present when ticked.
    #[serde(default)]
    pub revoke_tokens: Option<String>,
}

impl ChangePasswordForm {
    /// Applies the field rules (the new password's length; the current one must be given);
    /// used by the browser before sending and by the server.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<Password, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.current_password.is_empty() {
            errors.refuse("current_password", Refusal::CurrentPasswordMissing);
        }
        let new = errors.check("new_password", Password::parse(&self.new_password));
        if new.is_some() && self.new_password == self.current_password {
            errors.refuse("new_password", Refusal::PasswordUnchanged);
        }
        match new {
            Some(new) if errors.is_empty() => Ok(new),
            _ => Err(errors),
        }
    }
}

/// The change-email form as submitted (`/settings/account`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChangeEmailForm {
    pub new_email: String,
    pub current_password: String,
}

impl ChangeEmailForm {
    /// Applies the field rules (an address; the password given); used by the browser before
    /// sending and by the server.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<Email, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("new_email", Email::parse(&self.new_email));
        if self.current_password.is_empty() {
            errors.refuse("current_password", Refusal::CurrentPasswordMissing);
        }
        match email {
            Some(email) if errors.is_empty() => Ok(email),
            _ => Err(errors),
        }
    }
}

/// The delete-account form as submitted: the password, re-entered as confirmation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeleteAccountForm {
    pub password: String,
}

impl DeleteAccountForm {
    /// Errors: `FieldErrors` at `password` when it is empty.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.password.is_empty() {
            errors.refuse("password", Refusal::ConfirmWithPassword);
        }
        errors.into_result(|| ())
    }
}

/// One session as `/settings/sessions` shows it; times in the person's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session record's id (what "Sign out" sends back).
    pub id: i64,
    /// The session of the browser looking at the page.
    pub this_device: bool,
    pub signed_in: String,
    pub last_seen: String,
    pub ip: String,
    pub user_agent: String,
    pub remember_me: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_password_form_needs_both_fields_and_a_new_password() {
        let errors = ChangePasswordForm::default().parse().unwrap_err();
        assert!(errors.get("current_password").is_some());
        assert!(errors.get("new_password").is_some());

        let same = ChangePasswordForm {
            current_password: "correct horse battery staple".into(),
            new_password: "correct horse battery staple".into(),
            revoke_tokens: None,
        };
        assert!(same.parse().unwrap_err().get("new_password").is_some());

        let fine = ChangePasswordForm {
            current_password: "x".into(),
            new_password: "a new and long passphrase".into(),
            revoke_tokens: None,
        };
        assert_eq!(fine.parse().unwrap().expose(), "a new and long passphrase");
    }

    #[test]
    fn delete_form_needs_the_password() {
        assert!(DeleteAccountForm::default().check().is_err());
        let form = DeleteAccountForm {
            password: "x".into(),
        };
        assert!(form.check().is_ok());
    }
}
