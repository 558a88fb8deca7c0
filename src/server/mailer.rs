//! Sending mail over SMTP with `lettre`: the transport made from `ROSTER_SMTP_URL` (lettre's
//! URL form: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, `smtps://host:465`),
//! the sender `ROSTER_MAIL_FROM`, and a bell that wakes the delivery worker when a mail is
//! written. Without an SMTP URL nothing is ever sent: mails wait in the outbox, where an
//! administrator can read them. What is mailed, and when, is the features' business; this
//! module only delivers one message and says whether a failure may pass.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use tokio::sync::Notify;

/// The default sender.
pub const DEFAULT_FROM: &str = "Roster <roster@localhost>";

/// How long one SMTP conversation may take before it counts as a (transient) failure. Shorter
/// than the outbox lease, so a mail is never sent by two workers because one was slow.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another try later: a 4xx answer, a timeout, a refused or broken connection.
    #[error("{0}")]
    Transient(String),
    /// Never going through as it is: a 5xx answer, an address lettre cannot parse.
    #[error("{0}")]
    Permanent(String),
}

/// One message to send.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// The SMTP transport (if configured), the sender, and the worker's bell.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    bell: Notify,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Default for Mailer {
    /// No SMTP server: nothing is sent.
    fn default() -> Self {
        Self {
            transport: None,
            from: DEFAULT_FROM.parse().expect("the default sender parses"),
            bell: Notify::new(),
        }
    }
}

impl Mailer {
    /// A mailer sending through `smtp_url` (none: nothing is sent) as `from`. Call it inside
    /// the Tokio runtime: the SMTP connection pool starts a task.
    ///
    /// Errors (as a message naming the setting, never the URL's password): a URL lettre does
    /// not take, or a sender that is not an address (`Name <a@b.c>` or `a@b.c`).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Self, String> {
        let from: Mailbox = from.parse().map_err(|e| {
            format!("ROSTER_MAIL_FROM {from:?} is not an address like Roster <id@example.org>: {e}")
        })?;
        let transport = match smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        format!(
                            "ROSTER_SMTP_URL {} is not an SMTP URL (smtp://host:25, \
                             smtp://user:pass@host:587?tls=required, smtps://host:465): {e}",
                            super::db::redact(url)
                        )
                    })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self {
            transport,
            from,
            bell: Notify::new(),
        })
    }

    /// Whether an SMTP server is configured (without one, mails stay in the outbox).
    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends `mail` as one multipart/alternative message (plain text, then HTML).
    ///
    /// Errors: `Permanent` for an address that cannot be written as a recipient or a 5xx
    /// answer; `Transient` for anything else, including no SMTP server configured.
    pub async fn send(&self, mail: Outgoing<'_>) -> Result<(), SendError> {
        let Some(transport) = &self.transport else {
            return Err(SendError::Transient("no SMTP server is configured".into()));
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text.to_string()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html.to_string()),
                    ),
            )
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }

    /// Wakes the delivery worker (after a transaction that wrote mail commits).
    pub fn ring(&self) {
        self.bell.notify_one();
    }

    /// Waits until [`ring`](Self::ring) or `period`, whichever comes first.
    pub async fn wait(&self, period: Duration) {
        let _ = tokio::time::timeout(period, self.bell.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // lettre's connection pool starts a task: a runtime must be there.
    #[tokio::test]
    async fn urls_and_senders_are_checked_and_passwords_never_shown() {
        assert!(Mailer::new(None, DEFAULT_FROM).is_ok());
        assert!(!Mailer::new(None, DEFAULT_FROM).unwrap().is_configured());
        let m = Mailer::new(Some("smtp://127.0.0.1:2525"), "id@example.org").unwrap();
        assert!(m.is_configured());
        assert!(Mailer::new(Some("smtp://u:p@127.0.0.1:587?tls=required"), DEFAULT_FROM).is_ok());
        assert!(Mailer::new(Some("smtps://mail.example.org"), DEFAULT_FROM).is_ok());
        let err = Mailer::new(Some("ftp://u:hunter2@h"), DEFAULT_FROM).unwrap_err();
        assert!(
            err.contains("ROSTER_SMTP_URL") && !err.contains("hunter2"),
            "{err}"
        );
        let err = Mailer::new(None, "not an address").unwrap_err();
        assert!(err.contains("ROSTER_MAIL_FROM"), "{err}");
    }
}
