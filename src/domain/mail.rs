//! What Roster mails: the kinds of mail and their states in the outbox (shared with the
//! browser, for `/admin/outbox`), and, on the server, a mail ready for the outbox
//! ([`Letter`]) and what a second-factor notice tells ([`FactorNotice`]). The words are
//! written in the recipient's language by `crate::i18n::letters`.

use serde::{Deserialize, Serialize};

/// Why a mail was written, as stored in `outbox.kind`. Names are stable: the outbox filter and
/// reports rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// Confirm the address of a new account (a link, 24 h).
    VerifyEmail,
    /// Someone tried to sign up with an address that already has an account (`required`
    /// verification mode, where sign-up tells nobody which addresses exist).
    SignUpAttempt,
    /// Choose a new password (a link, 1 h).
    PasswordReset,
    /// Notice: the password was changed or reset.
    PasswordChanged,
    /// Confirm a new address (a link to the new address, 24 h).
    ChangeEmail,
    /// Notice to the old address: a change to another address was asked for.
    EmailChangeRequested,
    /// Notice to the old address: the address was changed.
    EmailChanged,
    /// Notice: a personal access token was created.
    TokenCreated,
    /// Notice: a sign-in from a device not seen in 30 days.
    NewDevice,
    /// Notice: a second factor was turned on, removed, reset, or a recovery code was used.
    SecondFactor,
    /// An administrator's test of the mail set-up.
    Test,
}

impl MailKind {
    pub const ALL: [MailKind; 11] = [
        MailKind::VerifyEmail,
        MailKind::SignUpAttempt,
        MailKind::PasswordReset,
        MailKind::PasswordChanged,
        MailKind::ChangeEmail,
        MailKind::EmailChangeRequested,
        MailKind::EmailChanged,
        MailKind::TokenCreated,
        MailKind::NewDevice,
        MailKind::SecondFactor,
        MailKind::Test,
    ];

    /// The stored name, e.g. `password_reset`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::VerifyEmail => "verify_email",
            MailKind::SignUpAttempt => "signup_attempt",
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
            MailKind::ChangeEmail => "change_email",
            MailKind::EmailChangeRequested => "email_change_requested",
            MailKind::EmailChanged => "email_changed",
            MailKind::TokenCreated => "token_created",
            MailKind::NewDevice => "new_device",
            MailKind::SecondFactor => "second_factor",
            MailKind::Test => "test",
        }
    }

    /// The kind stored as `name`.
    ///
    /// Errors (as a message): a name of no kind.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| format!("{name:?} is no kind of mail"))
    }
}

/// Where a mail is in its life: `pending` (waiting for its first or next attempt), `sent`
/// (the SMTP server took it), `failed` (refused for good, or out of attempts). Stored in
/// `outbox.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailState {
    Pending,
    Sent,
    Failed,
}

impl MailState {
    pub const ALL: [MailState; 3] = [MailState::Pending, MailState::Sent, MailState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    /// The state stored or submitted as `name` (`pending`, `sent`, `failed`).
    ///
    /// Errors (a `Refusal`): any other text.
    pub fn parse(name: &str) -> Result<Self, super::Refusal> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name.trim())
            .ok_or(super::Refusal::ChooseMailState)
    }
}

#[cfg(feature = "ssr")]
pub use letters::{escape_html, FactorNotice, Letter, LinkLifetime};

/// A mail's data; its words, in the recipient's language, are written by `crate::i18n::letters`
/// (`Letter::verify_email(locale, ...)` and the rest).
#[cfg(feature = "ssr")]
mod letters {
    use super::MailKind;

    /// How long a mailed link works.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum LinkLifetime {
        OneHour,
        OneDay,
    }

    impl LinkLifetime {
        /// In seconds.
        pub fn seconds(self) -> i64 {
            match self {
                LinkLifetime::OneHour => 3600,
                LinkLifetime::OneDay => 24 * 3600,
            }
        }
    }

    /// One mail, ready for the outbox: its recipient, subject and both bodies, and the secret
    /// part of its link (if it has one), which the outbox hides from anyone but the recipient.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Letter {
        pub kind: MailKind,
        /// A lower-cased address (`Email::parse`).
        pub to: String,
        pub subject: String,
        pub text: String,
        pub html: String,
        pub secret: Option<String>,
    }

    /// What happened to an account's second factors, as the notice mail tells it
    /// (`Letter::second_factor`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum FactorNotice {
        /// An authenticator app was turned on.
        TotpOn,
        /// The authenticator app was turned off; `alone`: no factor is left.
        TotpOff { alone: bool },
        /// A passkey named `name` was added.
        PasskeyAdded { name: String },
        /// The passkey `name` was removed; `alone`: no factor is left.
        PasskeyRemoved { name: String, alone: bool },
        /// New recovery codes replaced the old ones.
        RecoveryCodesRenewed,
        /// A recovery code signed in; `left` unused codes remain.
        RecoveryCodeUsed { left: i64 },
        /// An administrator removed every factor and ended the sessions.
        ResetByAdministrator,
    }

    /// `text` with `& < > " '` replaced by their character references, for an HTML body.
    pub fn escape_html(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn kinds_round_trip_their_names() {
            for k in MailKind::ALL {
                assert_eq!(MailKind::parse(k.as_str()), Ok(k));
            }
            assert!(MailKind::parse("nope").is_err());
        }

        #[test]
        fn html_escaping_covers_the_five_characters() {
            assert_eq!(
                escape_html("<a href=\"x\">&'"),
                "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
            );
        }
    }
}
