use serde::{Deserialize, Serialize};

use super::{char_len, has_control, Refusal};

/// The name shown for a person: trimmed, 1 to 64 characters (Unicode scalar values), one line,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 64;

    /// Errors (a `Refusal`): empty after trimming, longer than 64 characters, control characters.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Refusal::DisplayNameMissing);
        }
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(Refusal::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if has_control(trimmed) {
            return Err(Refusal::PrintableOnly);
        }
        Ok(DisplayName(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text description: up to 1000 characters, line breaks and tabs allowed, no other
/// control characters; trailing and leading white space trimmed. May be empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bio(String);

impl Bio {
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 1000;

    /// Errors (a `Refusal`): longer than 1000 characters, control characters other than line
    /// breaks and tabs.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        // Browsers send line breaks in a textarea as CRLF; store them as LF.
        let text = input.trim().replace("\r\n", "\n");
        let len = char_len(&text);
        if len > Self::MAX_CHARS {
            return Err(Refusal::TooLongNow {
                max: Self::MAX_CHARS,
                now: len,
            });
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Refusal::ControlCharacters);
        }
        Ok(Bio(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a person is, as they put it ("Lisbon, Portugal"): trimmed, up to 100 characters, one
/// line. May be empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location(String);

impl Location {
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 100;

    /// Errors (a `Refusal`): longer than 100 characters, control characters.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        let trimmed = input.trim();
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(Refusal::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if has_control(trimmed) {
            return Err(Refusal::OneLine);
        }
        Ok(Location(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's web site: empty, or an absolute `http` or `https` URL with a host, up to 2048
/// characters, stored in the normalised form of the WHATWG URL Standard (as the `url` crate
/// serialises it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Website(String);

impl Website {
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 2048;

    /// Errors (a `Refusal`): longer than 2048 characters, not a URL, a scheme other than
    /// http(s) (so no `javascript:` link can ever be shown), user name or password in the URL.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(Website(String::new()));
        }
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(Refusal::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let url = url::Url::parse(trimmed).map_err(|_| Refusal::WebsiteMalformed)?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Refusal::WebsiteScheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Refusal::WebsiteMalformed);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::WebsiteCredentials);
        }
        // The limit is on what was typed; normalising (a trailing `/`, percent-encoding) may
        // lengthen it a little, and refusing a URL for that would puzzle its author.
        Ok(Website(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ann Lee ").unwrap().as_str(),
            "Ann Lee"
        );
        assert_eq!(DisplayName::parse("").unwrap_err(), "Enter a display name");
        assert_eq!(
            DisplayName::parse(" \t ").unwrap_err(),
            "Enter a display name"
        );
        assert!(DisplayName::parse(&"a".repeat(64)).is_ok());
        assert!(DisplayName::parse(&"a".repeat(65)).is_err());
        assert!(DisplayName::parse("x").is_ok());
    }

    #[test]
    fn display_name_counts_characters_not_bytes() {
        assert!(DisplayName::parse(&"é".repeat(64)).is_ok());
        assert!(DisplayName::parse(&"李".repeat(64)).is_ok());
        assert!(DisplayName::parse(&"李".repeat(65)).is_err());
        // Surrounding spaces do not count toward the limit.
        assert!(DisplayName::parse(&format!("  {}  ", "a".repeat(64))).is_ok());
    }

    #[test]
    fn display_name_refuses_control_characters() {
        assert!(DisplayName::parse("Ann\nLee").is_err());
        assert!(DisplayName::parse("Ann\u{0}").is_err());
        assert!(DisplayName::parse("Ann\u{85}Lee").is_err());
    }

    #[test]
    fn bio_allows_lines_and_1000_characters() {
        assert_eq!(Bio::parse("").unwrap().as_str(), "");
        assert_eq!(Bio::parse("one\r\ntwo").unwrap().as_str(), "one\ntwo");
        assert!(Bio::parse(&"ü".repeat(1000)).is_ok());
        assert!(Bio::parse(&"ü".repeat(1001))
            .unwrap_err()
            .to_string()
            .contains("1001"));
        assert!(Bio::parse("bell\u{7}").is_err());
    }

    #[test]
    fn location_is_one_line_up_to_100() {
        assert_eq!(Location::parse(" Lisbon ").unwrap().as_str(), "Lisbon");
        assert_eq!(Location::parse("").unwrap().as_str(), "");
        assert!(Location::parse(&"a".repeat(100)).is_ok());
        assert!(Location::parse(&"a".repeat(101)).is_err());
        assert!(Location::parse("a\nb").is_err());
    }

    #[test]
    fn website_accepts_http_and_https_only() {
        assert_eq!(Website::parse("").unwrap().as_str(), "");
        assert_eq!(
            Website::parse(" https://Example.org ").unwrap().as_str(),
            "https://example.org/"
        );
        assert!(Website::parse("http://example.org/a?b=c#d").is_ok());
        assert!(Website::parse("https://bücher.example/").is_ok());
        for bad in [
            "example.org",
            "javascript:alert(1)",
            "ftp://example.org",
            "data:text/html,hi",
            "https://",
            "https://user:pw@example.org",
            "mailto:ann@example.org",
        ] {
            assert!(Website::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn website_length_limit() {
        let ok = format!("https://example.org/{}", "a".repeat(2048 - 20));
        assert_eq!(ok.len(), 2048);
        assert!(Website::parse(&ok).is_ok());
        assert!(Website::parse(&format!("{ok}a")).is_err());
    }
}
