use serde::{Deserialize, Serialize};

use super::Refusal;

/// A new password that meets the policy: 12 to 128 characters counted as Unicode scalar
/// values, any characters, no composition rules, never trimmed or truncated
/// (OWASP ASVS 4.0.3 V2.1.1, V2.1.2, V2.1.4, V2.1.9; `shared/SECURITY.md`, Passwords).
///
/// Only for passwords being *chosen*: a password typed to sign in is checked against the
/// stored hash as it is, so that a policy change never locks anyone out.
///
/// `Debug` hides the value so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Password(String);

impl Password {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 12;
    /// Most characters accepted (longer input is refused, not cut).
    pub const MAX_CHARS: usize = 128;

    /// Checks a password being chosen.
    ///
    /// Errors (a `Refusal`): shorter than 12 or longer than 128 characters.
    pub fn parse(input: &str) -> Result<Self, Refusal> {
        let len = super::char_len(input);
        if len == 0 {
            return Err(Refusal::PasswordMissing);
        }
        if len < Self::MIN_CHARS {
            return Err(Refusal::TooShort {
                min: Self::MIN_CHARS,
                now: len,
            });
        }
        if len > Self::MAX_CHARS {
            return Err(Refusal::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Password(input.to_string()))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_are_12_and_128_characters() {
        assert!(Password::parse(&"a".repeat(11)).is_err());
        assert!(Password::parse(&"a".repeat(12)).is_ok());
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            Password::parse(&"a".repeat(129)).unwrap_err(),
            "Use at most 128 characters"
        );
    }

    #[test]
    fn empty_is_refused_with_its_own_message() {
        assert_eq!(Password::parse("").unwrap_err(), "Choose a password");
    }

    #[test]
    fn counts_unicode_scalar_values_not_bytes() {
        // 12 characters, 36 bytes.
        let pw = "пароль-пароль".chars().take(12).collect::<String>();
        assert_eq!(pw.chars().count(), 12);
        assert!(Password::parse(&pw).is_ok());
        // 128 four-byte characters are 512 bytes and still accepted.
        assert!(Password::parse(&"🔑".repeat(128)).is_ok());
    }

    #[test]
    fn keeps_surrounding_spaces() {
        let pw = Password::parse("  twelve chars  ").unwrap();
        assert_eq!(pw.expose(), "  twelve chars  ");
    }

    #[test]
    fn debug_hides_the_value() {
        let pw = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{pw:?}").contains("horse"));
    }
}
