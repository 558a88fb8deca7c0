//! Every mail's words, in the recipient's language ([`super::mail_locale`]): multipart plain
//! text and HTML with the product name, what happened, the link and how long it works, and
//! what to do if it was not you. The texts are the catalogue's `mail.*` keys. Everything a
//! mail says that a person typed (a name, an address, a token's name) is escaped in the HTML
//! part.

use super::{fill, td_string, Locale};
use crate::domain::{escape_html, FactorNotice, Letter, LinkLifetime, MailKind};

/// The product's name, as every mail signs.
const PRODUCT: &str = "Roster";

/// How long a link works, as a mail says it ("1 hour", "24 hours").
fn lifetime_text(locale: Locale, lifetime: LinkLifetime) -> &'static str {
    match lifetime {
        LinkLifetime::OneHour => td_string!(locale, mail.one_hour),
        LinkLifetime::OneDay => td_string!(locale, mail.one_day),
    }
}

/// A call to action: the button's text, the link, how long it works, and its secret part.
struct Action<'a> {
    label: &'a str,
    link: &'a str,
    lifetime: LinkLifetime,
    secret: &'a str,
}

/// Builds a letter from its parts. `lines` are the paragraphs (plain text; escaped for HTML
/// here), `not_you` what to do if the person did not ask for this.
#[allow(clippy::too_many_arguments)]
fn compose(
    locale: Locale,
    kind: MailKind,
    to: &str,
    name: &str,
    subject: &str,
    lines: &[String],
    action: Option<Action<'_>>,
    not_you: &str,
) -> Letter {
    let greeting = if name.trim().is_empty() {
        td_string!(locale, mail.hello).to_string()
    } else {
        fill(td_string!(locale, mail.hello_name), &[("name", &name)])
    };
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>{}</p>",
        super::language_of(locale).tag(),
        escape_html(&greeting)
    );
    for line in lines {
        text.push_str(line);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape_html(line)));
    }
    if let Some(a) = &action {
        let works = fill(
            td_string!(locale, mail.link_works),
            &[("lifetime", &lifetime_text(locale, a.lifetime))],
        );
        text.push_str(&format!("{}:\n{}\n\n{works}\n\n", a.label, a.link));
        let copy = fill(td_string!(locale, mail.copy_address), &[("link", &a.link)]);
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p><p>{}</p><p>{}</p>",
            escape_html(a.link),
            escape_html(a.label),
            escape_html(&copy),
            escape_html(&works)
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

/// What a second-factor notice says happened.
fn factor_text(locale: Locale, notice: &FactorNotice) -> String {
    let alone = |text: String, alone: bool| {
        if alone {
            format!("{text} {}", td_string!(locale, mail.factor_password_alone))
        } else {
            text
        }
    };
    match notice {
        FactorNotice::TotpOn => td_string!(locale, mail.factor_totp_on).to_string(),
        FactorNotice::TotpOff { alone: a } => {
            alone(td_string!(locale, mail.factor_totp_off).to_string(), *a)
        }
        FactorNotice::PasskeyAdded { name } => fill(
            td_string!(locale, mail.factor_passkey_added),
            &[("name", name)],
        ),
        FactorNotice::PasskeyRemoved { name, alone: a } => alone(
            fill(
                td_string!(locale, mail.factor_passkey_removed),
                &[("name", name)],
            ),
            *a,
        ),
        FactorNotice::RecoveryCodesRenewed => {
            td_string!(locale, mail.factor_codes_renewed).to_string()
        }
        FactorNotice::RecoveryCodeUsed { left } => {
            fill(td_string!(locale, mail.factor_code_used), &[("left", left)])
        }
        FactorNotice::ResetByAdministrator => {
            td_string!(locale, mail.factor_reset_by_admin).to_string()
        }
    }
}

impl Letter {
    /// "Confirm your email address": `link` (`/verify-email?token=...`, 24 h).
    pub fn verify_email(locale: Locale, to: &str, name: &str, link: &str, secret: &str) -> Self {
        compose(
            locale,
            MailKind::VerifyEmail,
            to,
            name,
            td_string!(locale, mail.verify_subject),
            &[fill(td_string!(locale, mail.verify_body), &[("to", &to)])],
            Some(Action {
                label: td_string!(locale, mail.verify_action),
                link,
                lifetime: LinkLifetime::OneDay,
                secret,
            }),
            td_string!(locale, mail.not_you_link),
        )
    }

    /// To the owner of an address someone tried to sign up with; `reset_link` is the
    /// "Forgot password?" page.
    pub fn sign_up_attempt(locale: Locale, to: &str, name: &str, reset_link: &str) -> Self {
        compose(
            locale,
            MailKind::SignUpAttempt,
            to,
            name,
            td_string!(locale, mail.attempt_subject),
            &[
                fill(td_string!(locale, mail.attempt_body), &[("to", &to)]),
                fill(
                    td_string!(locale, mail.attempt_reset),
                    &[("link", &reset_link)],
                ),
            ],
            None,
            td_string!(locale, mail.attempt_not_you),
        )
    }

    /// "Reset your password": `link` (`/password/reset?token=...`, 1 h).
    pub fn password_reset(locale: Locale, to: &str, name: &str, link: &str, secret: &str) -> Self {
        compose(
            locale,
            MailKind::PasswordReset,
            to,
            name,
            td_string!(locale, mail.reset_subject),
            &[td_string!(locale, mail.reset_body).to_string()],
            Some(Action {
                label: td_string!(locale, mail.reset_action),
                link,
                lifetime: LinkLifetime::OneHour,
                secret,
            }),
            td_string!(locale, mail.not_you_link),
        )
    }

    /// Notice: the password was changed (`by_link`: through a reset link).
    pub fn password_changed(locale: Locale, to: &str, name: &str, by_link: bool) -> Self {
        let how = if by_link {
            td_string!(locale, mail.changed_by_link)
        } else {
            td_string!(locale, mail.changed_by_hand)
        };
        compose(
            locale,
            MailKind::PasswordChanged,
            to,
            name,
            td_string!(locale, mail.changed_subject),
            &[how.to_string()],
            None,
            td_string!(locale, mail.not_you_change),
        )
    }

    /// To the new address: confirm it (`link`, 24 h) to make it the sign-in address.
    pub fn change_email(locale: Locale, to: &str, name: &str, link: &str, secret: &str) -> Self {
        compose(
            locale,
            MailKind::ChangeEmail,
            to,
            name,
            td_string!(locale, mail.change_email_subject),
            &[fill(
                td_string!(locale, mail.change_email_body),
                &[("to", &to)],
            )],
            Some(Action {
                label: td_string!(locale, mail.change_email_action),
                link,
                lifetime: LinkLifetime::OneDay,
                secret,
            }),
            td_string!(locale, mail.not_you_link),
        )
    }

    /// To the old address: a change to `new` was asked for.
    pub fn email_change_requested(locale: Locale, to: &str, name: &str, new: &str) -> Self {
        compose(
            locale,
            MailKind::EmailChangeRequested,
            to,
            name,
            td_string!(locale, mail.change_requested_subject),
            &[fill(
                td_string!(locale, mail.change_requested_body),
                &[("new", &new)],
            )],
            None,
            td_string!(locale, mail.not_you_change),
        )
    }

    /// To the old address: the address is now `new`.
    pub fn email_changed(locale: Locale, to: &str, name: &str, new: &str) -> Self {
        compose(
            locale,
            MailKind::EmailChanged,
            to,
            name,
            td_string!(locale, mail.email_changed_subject),
            &[fill(
                td_string!(locale, mail.email_changed_body),
                &[("new", &new)],
            )],
            None,
            td_string!(locale, mail.not_you_change),
        )
    }

    /// Notice: a personal access token named `token` was created.
    pub fn token_created(locale: Locale, to: &str, name: &str, token: &str) -> Self {
        compose(
            locale,
            MailKind::TokenCreated,
            to,
            name,
            td_string!(locale, mail.token_subject),
            &[fill(
                td_string!(locale, mail.token_body),
                &[("token", &token)],
            )],
            None,
            td_string!(locale, mail.token_not_you),
        )
    }

    /// Notice: something happened to the account's second factors.
    pub fn second_factor(locale: Locale, to: &str, name: &str, what: &FactorNotice) -> Self {
        compose(
            locale,
            MailKind::SecondFactor,
            to,
            name,
            td_string!(locale, mail.factor_subject),
            &[factor_text(locale, what)],
            None,
            td_string!(locale, mail.factor_not_you),
        )
    }

    /// Notice: a sign-in from `device` (a browser description) at `ip`.
    pub fn new_device(locale: Locale, to: &str, name: &str, device: &str, ip: &str) -> Self {
        compose(
            locale,
            MailKind::NewDevice,
            to,
            name,
            td_string!(locale, mail.device_subject),
            &[fill(
                td_string!(locale, mail.device_body),
                &[("device", &device), ("ip", &ip)],
            )],
            None,
            td_string!(locale, mail.not_you_change),
        )
    }

    /// An administrator's test mail.
    pub fn test(locale: Locale, to: &str) -> Self {
        compose(
            locale,
            MailKind::Test,
            to,
            "",
            td_string!(locale, mail.test_subject),
            &[td_string!(locale, mail.test_body).to_string()],
            None,
            td_string!(locale, mail.test_not_you),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let l = Letter::token_created(Locale::en, "a@example.org", "<b>Ann</b>", "x\"><script>");
        assert!(l.text.contains("Hello <b>Ann</b>,"));
        assert!(l.html.contains("Hello &lt;b&gt;Ann&lt;/b&gt;,"));
        assert!(!l.html.contains("<script>"));
        assert!(l.html.contains("x&quot;&gt;&lt;script&gt;"));
        assert_eq!(l.subject, "A personal access token was created · Roster");
        assert_eq!(l.secret, None);
    }

    #[test]
    fn a_link_mail_says_the_link_its_lifetime_and_what_if_not_you() {
        let link = "https://id.example/password/reset?token=abc&x=1";
        let l = Letter::password_reset(Locale::en, "a@example.org", "Ann", link, "abc");
        assert!(l.text.contains(link), "{}", l.text);
        assert!(l
            .html
            .contains("https://id.example/password/reset?token=abc&amp;x=1"));
        for body in [&l.text, &l.html] {
            assert!(body.contains("1 hour"), "{body}");
            assert!(body.contains("If you did not ask for this"), "{body}");
            assert!(body.contains("Roster"), "{body}");
        }
        assert_eq!(l.secret.as_deref(), Some("abc"));
        let v = Letter::verify_email(Locale::en, "a@example.org", "Ann", link, "abc");
        assert!(v.text.contains("24 hours"));
    }

    /// Every mail in German: its subject, greeting, lifetime and "not you" in German, nothing
    /// of the English left, and what the person typed still escaped.
    #[test]
    fn every_mail_reads_in_german() {
        let (to, name, link) = ("a@example.org", "<Ann>", "https://id.example/x?token=t");
        let notices = [
            FactorNotice::TotpOn,
            FactorNotice::TotpOff { alone: true },
            FactorNotice::PasskeyAdded {
                name: "Laptop".into(),
            },
            FactorNotice::PasskeyRemoved {
                name: "Laptop".into(),
                alone: false,
            },
            FactorNotice::RecoveryCodesRenewed,
            FactorNotice::RecoveryCodeUsed { left: 9 },
            FactorNotice::ResetByAdministrator,
        ];
        let mut letters = vec![
            Letter::verify_email(Locale::de, to, name, link, "t"),
            Letter::sign_up_attempt(Locale::de, to, name, link),
            Letter::password_reset(Locale::de, to, name, link, "t"),
            Letter::password_changed(Locale::de, to, name, true),
            Letter::password_changed(Locale::de, to, name, false),
            Letter::change_email(Locale::de, to, name, link, "t"),
            Letter::email_change_requested(Locale::de, to, name, "b@example.org"),
            Letter::email_changed(Locale::de, to, name, "b@example.org"),
            Letter::token_created(Locale::de, to, name, "backup"),
            Letter::new_device(Locale::de, to, name, "Firefox unter Linux", "192.0.2.1"),
        ];
        letters.extend(
            notices
                .iter()
                .map(|n| Letter::second_factor(Locale::de, to, name, n)),
        );
        for l in &letters {
            assert!(l.text.starts_with("Hallo <Ann>,"), "{}", l.text);
            assert!(l.html.contains("Hallo &lt;Ann&gt;,") && l.html.contains("lang=\"de\""));
            assert!(l.subject.ends_with(" · Roster"));
            let english = Letter::test(Locale::en, to);
            assert_ne!(l.subject, english.subject);
            for word in [
                "Hello",
                "If this was not you",
                "If you did not ask",
                "The link works",
            ] {
                assert!(!l.text.contains(word), "{word} in {}", l.text);
            }
        }
        let reset = &letters[2];
        assert!(reset.text.contains("1 Stunde") && reset.text.contains(link));
        let test = Letter::test(Locale::de, to);
        assert!(test.text.starts_with("Hallo,"));
        // Each notice says something of its own.
        let said: std::collections::BTreeSet<_> =
            notices.iter().map(|n| factor_text(Locale::de, n)).collect();
        assert_eq!(said.len(), notices.len());
        assert!(factor_text(Locale::de, &FactorNotice::RecoveryCodeUsed { left: 9 }).contains('9'));
    }

    /// The English notices are the sentences the mails said before they were translated.
    #[test]
    fn english_notices_read_as_before() {
        assert_eq!(
            factor_text(Locale::en, &FactorNotice::TotpOff { alone: true }),
            "The authenticator app was turned off for your account. Signing in now needs your \
             password alone."
        );
        assert_eq!(
            factor_text(Locale::en, &FactorNotice::RecoveryCodeUsed { left: 3 }),
            "A recovery code was used to sign in to your account. 3 unused codes are left."
        );
    }
}
