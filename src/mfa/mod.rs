//! Second factors as their owner manages them on `/settings/security`: an authenticator app
//! (TOTP), recovery codes, passkeys; and an administrator's "Reset two-factor". Checking a
//! factor at sign-in is `auth::second_factor`'s and `auth::passkeys`'; the rules of codes are
//! `auth::factors`'.

pub mod api;
#[cfg(feature = "ssr")]
pub mod passkeys;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::domain::Refusal;

/// Longest passkey name, in characters.
pub const MAX_PASSKEY_NAME_CHARS: usize = 64;

/// `/settings/security` as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPage {
    /// The authenticator app is on.
    pub totp: bool,
    /// An authenticator app being set up: what to scan or type.
    pub setup: Option<TotpSetup>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
    /// Recovery codes just made, shown this once.
    pub new_codes: Option<Vec<String>>,
    pub passkeys: Vec<PasskeyView>,
    /// Passkeys can be used at this site's address (a domain name, not an IP address).
    pub passkeys_available: bool,
}

impl SecurityPage {
    /// Whether the person has a second factor.
    pub fn protected(&self) -> bool {
        self.totp || !self.passkeys.is_empty()
    }
}

/// An authenticator app waiting for its first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetup {
    /// The seed in base32, in groups of four ("Secret key").
    pub secret: String,
    /// The `otpauth://` URI as an inline SVG QR code.
    pub qr_svg: String,
}

/// One passkey in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    /// Formatted in the viewer's time zone.
    pub created: String,
    pub last_used: Option<String>,
}

/// Checks a passkey name: 1 to [`MAX_PASSKEY_NAME_CHARS`] characters, no control characters;
/// returns it trimmed.
///
/// Errors: `PasskeyNameMissing` when empty, `TooLong` over the limit, `PrintableOnly` with
/// control characters.
pub fn parse_passkey_name(text: &str) -> Result<String, Refusal> {
    let name = text.trim();
    if name.is_empty() {
        return Err(Refusal::PasskeyNameMissing);
    }
    if name.chars().count() > MAX_PASSKEY_NAME_CHARS {
        return Err(Refusal::TooLong {
            max: MAX_PASSKEY_NAME_CHARS,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(Refusal::PrintableOnly);
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkey_names_are_checked() {
        assert_eq!(parse_passkey_name("  Laptop "), Ok("Laptop".into()));
        assert!(parse_passkey_name(" ").is_err());
        assert!(parse_passkey_name(&"x".repeat(65)).is_err());
        assert!(parse_passkey_name("a\u{7}b").is_err());
    }
}
