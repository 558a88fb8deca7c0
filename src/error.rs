//! `AppError`: the one error type every server function returns.
//!
//! Variants name what happened. Only their `Display` text ever reaches a browser, and none of
//! them carries the text of a database or library error: such errors are logged with their cause
//! (and the request id) on the server and turned into [`AppError::Internal`].

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::domain::Refusal;

/// One message about one form field, e.g. `{ field: "email", message: "Enter an email address" }`.
///
/// `field` equals the `name` of the form input (and the server function argument). `message`
/// is English (what the JSON API and the command line print); `refusal`, when the message is a
/// known [`Refusal`], lets a page draw it in its own language instead. `quoted` is the part of
/// the field's value the refusal is about (one line of several, such as one redirect URI),
/// shown before the sentence as it was entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted: Option<String>,
}

/// The validation messages of one form submission, at most one per field, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

/// One line per field, `field: message` (for the command line).
impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&lines.join("\n"))
    }
}

impl FieldErrors {
    /// No messages yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field`, unless that field already has one (the first one wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field: field.to_string(),
                message: message.into(),
                refusal: None,
                quoted: None,
            });
        }
    }

    /// Records `refusal` for `field`, unless that field already has a message.
    pub fn refuse(&mut self, field: &str, refusal: Refusal) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field: field.to_string(),
                message: refusal.to_string(),
                refusal: Some(refusal),
                quoted: None,
            });
        }
    }

    /// Records `refusal` of the part `quoted` of `field`'s value (one line of several), unless
    /// that field already has a message. The English message is `"quoted": sentence`, with the
    /// part escaped as Rust's `Debug` does (no control character reaches a terminal).
    pub fn refuse_quoting(&mut self, field: &str, refusal: Refusal, quoted: &str) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field: field.to_string(),
                message: format!("{quoted:?}: {refusal}"),
                refusal: Some(refusal),
                quoted: Some(quoted.to_string()),
            });
        }
    }

    /// Parses one field: the value on success, or records the message and gives `None`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Refusal>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(refusal) => {
                self.refuse(field, refusal);
                None
            }
        }
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The whole entry for `field`, if it has a message.
    pub fn find(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// True when no field has a message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when there are no messages, else `Err(self)`.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// What went wrong in a server function, as the caller may see it.
///
/// HTTP status of each variant (see [`AppError::status`]): `Validation` and `BadRequest` 400,
/// `InvalidCredentials` and `Unauthorized` 401, `Forbidden`, `AccountDisabled` and
/// `EmailUnconfirmed` 403, `NotFound` 404, `Conflict`
/// 409, `RateLimited` 429, `Internal` 500.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// One or more fields were refused; each message is meant to be shown next to its field.
    #[error("Please correct the highlighted fields")]
    Validation(FieldErrors),
    /// The request could not be read (malformed form data, missing fields).
    #[error("The form could not be read. Reload the page and try again.")]
    BadRequest,
    /// Wrong email or password. One message for both, so it tells nobody whether an account
    /// exists (OWASP ASVS 4.0.3 V2.2; `shared/SECURITY.md`, Login).
    #[error("Email or password is incorrect")]
    InvalidCredentials,
    /// The right password for an account an administrator has disabled.
    #[error("This account is disabled. Contact an administrator.")]
    AccountDisabled,
    /// The right password for an account whose address is not confirmed yet, where the server
    /// requires confirmation (`ROSTER_EMAIL_VERIFICATION=required`); a new link was mailed.
    #[error("Confirm your email address first: we have sent a new link to it.")]
    EmailUnconfirmed,
    /// The caller is not signed in.
    #[error("Please sign in to continue")]
    Unauthorized,
    /// The caller is signed in but may not do this.
    #[error("You do not have permission to do that")]
    Forbidden,
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("Not found")]
    NotFound,
    /// The change clashes with existing data; `field` names the form field to show it at.
    /// `refusal` as in [`FieldError`].
    #[error("{message}")]
    Conflict {
        field: String,
        message: String,
        #[serde(default)]
        refusal: Option<Refusal>,
    },
    /// Too many attempts; try again after `retry_after` seconds.
    #[error("Too many attempts. Try again in {}.", wait_text(*retry_after))]
    RateLimited { retry_after: u64 },
    /// Something failed on the server. The cause is in the server log under `request_id`.
    #[error("Something went wrong on our side (request id {request_id}). Please try again.")]
    Internal { request_id: String },
}

/// "1 second", "2 minutes", "15 minutes": a wait as a person reads it (whole minutes from 2
/// minutes on, rounded up).
fn wait_text(seconds: u64) -> String {
    match seconds {
        1 => "1 second".to_string(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

impl AppError {
    /// The HTTP status code this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Validation(_) | AppError::BadRequest => 400,
            AppError::InvalidCredentials | AppError::Unauthorized => 401,
            AppError::Forbidden | AppError::AccountDisabled | AppError::EmailUnconfirmed => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Internal { .. } => 500,
        }
    }

    /// A validation error with one `message` at one form `field`.
    pub fn at(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Validation(errors)
    }

    /// A validation error with one `refusal` at one form `field`.
    pub fn refused(field: &str, refusal: Refusal) -> Self {
        let mut errors = FieldErrors::new();
        errors.refuse(field, refusal);
        AppError::Validation(errors)
    }

    /// A conflict with existing data, shown at `field`.
    pub fn conflict(field: &str, refusal: Refusal) -> Self {
        AppError::Conflict {
            field: field.to_string(),
            message: refusal.to_string(),
            refusal: Some(refusal),
        }
    }

    /// The entry for `field`: a validation message, or a conflict reported at that field.
    pub fn field_error(&self, field: &str) -> Option<FieldError> {
        match self {
            AppError::Validation(errors) => errors.find(field).cloned(),
            AppError::Conflict {
                field: f,
                message,
                refusal,
            } if f == field => Some(FieldError {
                field: f.clone(),
                message: message.clone(),
                refusal: *refusal,
                quoted: None,
            }),
            _ => None,
        }
    }

    /// A message for the whole form: a summary for validation errors, nothing for a conflict
    /// (shown at its field alone), the error itself otherwise.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Conflict { .. } => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Errors of the server-function machinery itself. Their text may hold serde or network
    /// details, so it is logged (on the server) and never passed on.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function request refused");
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::Serialization(_) => AppError::BadRequest,
            _ => AppError::Internal {
                request_id: current_request_id(),
            },
        }
    }
}

/// The id of the request being handled: the one the request-context middleware made (read from
/// the render's or server function's request, else from the task's context), or `-` outside a
/// request and in the browser.
pub fn current_request_id() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::request::with_parts(|parts| {
            parts
                .extensions
                .get::<crate::request::RequestContext>()
                .map(|ctx| ctx.request_id.clone())
        })
        .flatten()
        .or_else(crate::request::current_request_id)
        .unwrap_or_else(|| "-".to_string())
    }
    #[cfg(not(feature = "ssr"))]
    {
        "-".to_string()
    }
}

/// Logs `cause` with the request id and the place in the code that called this (so the log
/// says which step failed), and returns the opaque [`AppError::Internal`] for it.
#[cfg(feature = "ssr")]
#[track_caller]
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    let location = std::panic::Location::caller();
    let request_id = current_request_id();
    tracing::error!(%request_id, error = %cause, at = %location, "internal error");
    AppError::Internal { request_id }
}

/// `.or_internal()` on any result whose error is a cause to log: [`internal`] at the call site
/// (a `.map_err(internal)` would log the place inside `map_err` instead).
#[cfg(feature = "ssr")]
pub trait OrInternal<T> {
    /// The value, or [`AppError::Internal`] after logging the error with this call's location.
    #[track_caller]
    fn or_internal(self) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self) -> Result<T, AppError> {
        match self {
            Ok(value) => Ok(value),
            Err(cause) => Err(internal(cause)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_per_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("email", "first");
        errors.add("email", "second");
        assert_eq!(errors.get("email"), Some("first"));
        assert_eq!(errors.0.len(), 1);
    }

    #[test]
    fn statuses_are_stable() {
        assert_eq!(AppError::Validation(FieldErrors::new()).status(), 400);
        assert_eq!(AppError::InvalidCredentials.status(), 401);
        assert_eq!(AppError::RateLimited { retry_after: 3 }.status(), 429);
        assert_eq!(
            AppError::Internal {
                request_id: "x".into()
            }
            .status(),
            500
        );
    }

    #[test]
    fn rate_limit_message_reads_naturally() {
        let text = |s| AppError::RateLimited { retry_after: s }.to_string();
        assert_eq!(text(1), "Too many attempts. Try again in 1 second.");
        assert_eq!(text(4), "Too many attempts. Try again in 4 seconds.");
        assert_eq!(text(119), "Too many attempts. Try again in 119 seconds.");
        assert_eq!(text(121), "Too many attempts. Try again in 3 minutes.");
        assert_eq!(text(900), "Too many attempts. Try again in 15 minutes.");
    }

    /// `shared/SECURITY.md`, Errors and logs: the person sees a plain message and the request
    /// id; the log has the cause under the same id.
    #[cfg(feature = "ssr")]
    #[test]
    fn internal_errors_show_the_request_id_and_log_the_cause() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let owner = leptos::prelude::Owner::new();

        let err = tracing::subscriber::with_default(subscriber, || {
            owner.with(|| {
                let (mut parts, ()) = http::Request::builder()
                    .header("x-request-id", "forged-by-the-client")
                    .body(())
                    .unwrap()
                    .into_parts();
                parts.extensions.insert(crate::request::RequestContext::new(
                    "req-42".into(),
                    Default::default(),
                ));
                leptos::prelude::provide_context(parts);
                Err::<(), _>("disk I/O error in users table")
                    .or_internal()
                    .unwrap_err()
            })
        });

        assert_eq!(
            err,
            AppError::Internal {
                request_id: "req-42".into()
            }
        );
        let shown = err.to_string();
        assert!(
            shown.contains("req-42") && !shown.contains("disk"),
            "{shown}"
        );
        let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("req-42") && log.contains("disk I/O error in users table"),
            "{log}"
        );
        // The step that failed: this file, not the inside of a combinator.
        assert!(log.contains("src/error.rs:"), "{log}");
        assert!(!log.contains("forged-by-the-client"), "{log}");
    }

    #[test]
    fn internal_error_text_names_only_the_request_id() {
        let text = AppError::Internal {
            request_id: "abc".into(),
        }
        .to_string();
        assert!(text.contains("abc"));
        assert!(!text.to_lowercase().contains("sql"));
    }
}
