//! What Roster mails: the kinds of mail and their states in the outbox (shared with the
//! browser, for `/admin/outbox`), and, on the server, every mail's text in one place
//! ([`Letter`]): multipart plain text and HTML with the product name, what happened, the link
//! and how long it works, and what to do if it was not you. Everything a mail says that a
//! person typed (a name, an address, a token's name) is escaped in the HTML part.

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

    /// The name shown in the outbox.
    pub fn label(self) -> &'static str {
        match self {
            MailState::Pending => "Pending",
            MailState::Sent => "Sent",
            MailState::Failed => "Failed",
        }
    }
}

#[cfg(feature = "ssr")]
pub use letters::{escape_html, Letter, LinkLifetime};

#[cfg(feature = "ssr")]
mod letters {
    use super::MailKind;

    /// The product's name, as every mail signs.
    const PRODUCT: &str = "Roster";

    /// How long a mailed link works, as a mail says it.
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

        fn text(self) -> &'static str {
            match self {
                LinkLifetime::OneHour => "1 hour",
                LinkLifetime::OneDay => "24 hours",
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

    /// A call to action: the button's text, the link, how long it works, and its secret part.
    struct Action<'a> {
        label: &'a str,
        link: &'a str,
        lifetime: LinkLifetime,
        secret: &'a str,
    }

    /// Builds a letter from its parts. `lines` are the paragraphs (plain text; escaped for
    /// HTML here), `not_you` what to do if the person did not ask for this.
    fn compose(
        kind: MailKind,
        to: &str,
        name: &str,
        subject: &str,
        lines: &[String],
        action: Option<Action<'_>>,
        not_you: &str,
    ) -> Letter {
        let greeting = if name.trim().is_empty() {
            "Hello,".to_string()
        } else {
            format!("Hello {name},")
        };
        let mut text = format!("{greeting}\n\n");
        let mut html = format!(
            "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
             <p>{}</p>",
            escape_html(&greeting)
        );
        for line in lines {
            text.push_str(line);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape_html(line)));
        }
        if let Some(a) = &action {
            text.push_str(&format!(
                "{}:\n{}\n\nThe link works for {} and only once.\n\n",
                a.label,
                a.link,
                a.lifetime.text()
            ));
            let link = escape_html(a.link);
            html.push_str(&format!(
                "<p><a href=\"{link}\">{}</a></p><p>Or copy this address into your browser: \
                 {link}</p><p>The link works for {} and only once.</p>",
                escape_html(a.label),
                a.lifetime.text()
            ));
        }
        text.push_str(not_you);
        text.push_str(&format!("\n\n-- \n{PRODUCT}\n"));
        html.push_str(&format!(
            "<p>{}</p><p>— {PRODUCT}</p></body></html>",
            escape_html(not_you)
        ));
        Letter {
            kind,
            to: to.to_string(),
            subject: format!("{subject} · {PRODUCT}"),
            text,
            html,
            secret: action.map(|a| a.secret.to_string()),
        }
    }

    const NOT_YOU_LINK: &str =
        "If you did not ask for this, ignore this mail: nothing changes unless the link is used.";
    const NOT_YOU_CHANGE: &str = "If this was not you, reset your password at once (\"Forgot \
         password?\" on the sign-in page) and sign out your other sessions, or contact an \
         administrator.";

    impl Letter {
        /// "Confirm your email address": `link` (`/verify-email?token=...`, 24 h).
        pub fn verify_email(to: &str, name: &str, link: &str, secret: &str) -> Self {
            compose(
                MailKind::VerifyEmail,
                to,
                name,
                "Confirm your email address",
                &[format!(
                    "Please confirm that {to} is your address, so that you can recover your \
                     account by mail."
                )],
                Some(Action {
                    label: "Confirm my address",
                    link,
                    lifetime: LinkLifetime::OneDay,
                    secret,
                }),
                NOT_YOU_LINK,
            )
        }

        /// To the owner of an address someone tried to sign up with; `reset_link` is the
        /// "Forgot password?" page.
        pub fn sign_up_attempt(to: &str, name: &str, reset_link: &str) -> Self {
            compose(
                MailKind::SignUpAttempt,
                to,
                name,
                "Someone tried to sign up with your address",
                &[
                    format!(
                        "Someone tried to create a new account with {to}, which already has \
                         an account. No account was created and nothing changed."
                    ),
                    format!(
                        "If it was you and you forgot your password, choose a new one here: \
                         {reset_link}"
                    ),
                ],
                None,
                "If it was not you, you need not do anything.",
            )
        }

        /// "Reset your password": `link` (`/password/reset?token=...`, 1 h).
        pub fn password_reset(to: &str, name: &str, link: &str, secret: &str) -> Self {
            compose(
                MailKind::PasswordReset,
                to,
                name,
                "Reset your password",
                &[
                    "Someone (hopefully you) asked to choose a new password for your account. \
                   Choosing one signs you out everywhere."
                        .to_string(),
                ],
                Some(Action {
                    label: "Choose a new password",
                    link,
                    lifetime: LinkLifetime::OneHour,
                    secret,
                }),
                NOT_YOU_LINK,
            )
        }

        /// Notice: the password was changed (`by_link`: through a reset link).
        pub fn password_changed(to: &str, name: &str, by_link: bool) -> Self {
            let how = if by_link {
                "Your password was reset through a link sent to this address."
            } else {
                "Your password was changed."
            };
            compose(
                MailKind::PasswordChanged,
                to,
                name,
                "Your password was changed",
                &[how.to_string()],
                None,
                NOT_YOU_CHANGE,
            )
        }

        /// To the new address: confirm it (`link`, 24 h) to make it the sign-in address.
        pub fn change_email(to: &str, name: &str, link: &str, secret: &str) -> Self {
            compose(
                MailKind::ChangeEmail,
                to,
                name,
                "Confirm your new email address",
                &[format!(
                    "You asked to sign in with {to} from now on. Your old address keeps \
                     working until you confirm."
                )],
                Some(Action {
                    label: "Confirm my new address",
                    link,
                    lifetime: LinkLifetime::OneDay,
                    secret,
                }),
                NOT_YOU_LINK,
            )
        }

        /// To the old address: a change to `new` was asked for.
        pub fn email_change_requested(to: &str, name: &str, new: &str) -> Self {
            compose(
                MailKind::EmailChangeRequested,
                to,
                name,
                "A change of your email address was requested",
                &[format!(
                    "Someone signed in to your account asked to change its address to {new}. \
                     This address keeps working until the new one is confirmed."
                )],
                None,
                NOT_YOU_CHANGE,
            )
        }

        /// To the old address: the address is now `new`.
        pub fn email_changed(to: &str, name: &str, new: &str) -> Self {
            compose(
                MailKind::EmailChanged,
                to,
                name,
                "Your email address was changed",
                &[format!(
                    "Your account's address is now {new}. This address no longer signs in."
                )],
                None,
                NOT_YOU_CHANGE,
            )
        }

        /// Notice: a personal access token named `token` was created.
        pub fn token_created(to: &str, name: &str, token: &str) -> Self {
            compose(
                MailKind::TokenCreated,
                to,
                name,
                "A personal access token was created",
                &[format!(
                    "A personal access token named \"{token}\" was created for your account. \
                     Programs holding it can use your account through the API."
                )],
                None,
                "If this was not you, revoke it under Settings → Tokens and change your password.",
            )
        }

        /// Notice: something happened to the account's second factors; `what` is one sentence
        /// ("An authenticator app was turned on for your account.").
        pub fn second_factor(to: &str, name: &str, what: &str) -> Self {
            compose(
                MailKind::SecondFactor,
                to,
                name,
                "Your two-factor sign-in changed",
                &[what.to_string()],
                None,
                "If this was not you, sign in, review Settings → Security and change your \
                 password, or ask an administrator for help.",
            )
        }

        /// Notice: a sign-in from `device` (a browser description) at `ip`.
        pub fn new_device(to: &str, name: &str, device: &str, ip: &str) -> Self {
            compose(
                MailKind::NewDevice,
                to,
                name,
                "A sign-in from a new device",
                &[format!(
                    "Your account was signed in from a device not seen in the last 30 days: \
                     {device}, IP address {ip}."
                )],
                None,
                NOT_YOU_CHANGE,
            )
        }

        /// An administrator's test mail.
        pub fn test(to: &str) -> Self {
            compose(
                MailKind::Test,
                to,
                "",
                "Test mail",
                &[
                    "This is a test mail from the outbox. If you can read it, mail works."
                        .to_string(),
                ],
                None,
                "No action is needed.",
            )
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn html_is_escaped_and_text_is_not() {
            let l = Letter::token_created("a@example.org", "<b>Ann</b>", "x\"><script>");
            assert!(l.text.contains("Hello <b>Ann</b>,"));
            assert!(l.html.contains("Hello &lt;b&gt;Ann&lt;/b&gt;,"));
            assert!(!l.html.contains("<script>"));
            assert!(l.html.contains("x&quot;&gt;&lt;script&gt;"));
            assert_eq!(l.subject, "A personal access token was created · Roster");
            assert_eq!(l.secret, None);
        }

        #[test]
        fn a_link_mail_says_the_link_its_lifetime_and_what_if_not_you() {
            let link = "https://id.example/password/reset?token=abc";
            let l = Letter::password_reset("a@example.org", "Ann", link, "abc");
            for body in [&l.text, &l.html] {
                assert!(body.contains(link), "{body}");
                assert!(body.contains("1 hour"), "{body}");
                assert!(body.contains("If you did not ask for this"), "{body}");
                assert!(body.contains("Roster"), "{body}");
            }
            assert_eq!(l.secret.as_deref(), Some("abc"));
            let v = Letter::verify_email("a@example.org", "Ann", link, "abc");
            assert!(v.text.contains("24 hours"));
        }

        #[test]
        fn kinds_round_trip_their_names() {
            for k in MailKind::ALL {
                assert_eq!(MailKind::parse(k.as_str()), Ok(k));
            }
            assert!(MailKind::parse("nope").is_err());
        }
    }
}
