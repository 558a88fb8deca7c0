//! Domain types shared by the server and the browser: parse, don't validate.
//!
//! Each type can only be built through its `parse` function, which applies one rule and returns
//! a [`Refusal`] to show next to the form field. The browser runs the very same code before a
//! form is sent, and the server runs it again on what arrives.

mod access;
mod agent;
mod email;
mod mail;
mod password;
mod profile;
mod refusal;
mod scope;
mod settings;
mod sort;
#[cfg(feature = "ssr")]
pub mod time;

pub use access::{AccountStatus, Role};
pub use agent::{describe_user_agent, Device};
pub use email::Email;
#[cfg(feature = "ssr")]
pub use mail::{escape_html, FactorNotice, Letter, LinkLifetime};
pub use mail::{MailKind, MailState};
pub use password::Password;
pub use profile::{Bio, DisplayName, Location, Website};
pub use refusal::{GuessTip, GuessWarning, Refusal};
pub use scope::Scope;
pub use settings::{Language, Theme, TimeZoneName};
pub use sort::SortKey;

/// Characters of `s` counted as Unicode scalar values (what a person sees as characters, near
/// enough; never bytes).
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// True when `s` holds a control character (C0, DEL, C1), which no single-line field accepts.
pub(crate) fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}
