use email_address::{EmailAddress, Options};
use serde::{Deserialize, Serialize};

use super::Refusal;

/// An email address as an account's login name: trimmed, lower-cased, at most 254 characters
/// (RFC 5321 §4.5.3.1.3), syntax per RFC 5322 `addr-spec` without display text or domain
/// literals, and a domain with at least one dot.
///
/// Lower-casing makes the address unique case-insensitively: `Ann@Example.org` and
/// `ann@example.org` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Longest accepted address, in characters (RFC 5321 path limit less the angle brackets).
    pub const MAX_CHARS: usize = 254;

    /// Parses what a person typed.
    ///
    /// Errors (a `Refusal`): empty, too long, or not an address.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Refusal::EmailMissing);
        }
        if super::char_len(trimmed) > Self::MAX_CHARS {
            return Err(Refusal::EmailTooLong {
                max: Self::MAX_CHARS,
            });
        }
        let lowered = trimmed.to_lowercase();
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        match EmailAddress::parse_with_options(&lowered, options) {
            Ok(_) => Ok(Email(lowered)),
            Err(_) => Err(Refusal::EmailMalformed),
        }
    }

    /// The address, lower-cased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_a_plain_address() {
        let email = Email::parse("  Ann.Lee@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ann.lee@example.org");
    }

    #[test]
    fn accepts_unicode_local_part_and_domain() {
        assert_eq!(
            Email::parse("Zoë@Bücher.example").unwrap().as_str(),
            "zoë@bücher.example"
        );
    }

    #[test]
    fn refuses_empty_and_blank() {
        assert_eq!(Email::parse("").unwrap_err(), "Enter your email address");
        assert_eq!(Email::parse("   ").unwrap_err(), "Enter your email address");
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "ann@@example.org",
            "Ann <ann@example.org>",
            "ann@[127.0.0.1]",
            "ann lee@example.org",
            "ann@exa mple.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn length_limit_is_254_characters() {
        let domain = format!(
            "{}.{}.{}.org",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63)
        );
        let at_limit = format!("{}@{}", "x".repeat(254 - 1 - domain.len()), domain);
        assert_eq!(at_limit.len(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        let over = format!("x{at_limit}");
        assert!(Email::parse(&over).unwrap_err().to_string().contains("254"));
    }
}
