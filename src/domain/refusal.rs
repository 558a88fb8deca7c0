//! `Refusal`: why a value or a request was refused, as data rather than as a sentence.
//!
//! The rules (in this module's siblings and in the forms above them) say *which* refusal; the
//! words are chosen where they are shown: `Display` gives the English sentence the JSON API and
//! the command line print, and `i18n::refusal` draws the same refusal in the page's language
//! (`locales/*.json`, keys under `refusal`). A test there checks that its English text is this
//! `Display` text, variant by variant.

use serde::{Deserialize, Serialize};

/// One reason a field or a request was refused. Numbers are characters (Unicode scalar values)
/// unless a variant says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("Enter your email address")]
    EmailMissing,
    #[error("An email address has at most {max} characters")]
    EmailTooLong { max: usize },
    #[error("Enter an email address like name@example.com")]
    EmailMalformed,
    #[error("Choose a password")]
    PasswordMissing,
    #[error("Use at least {min} characters ({now} so far)")]
    TooShort { min: usize, now: usize },
    #[error("Use at most {max} characters")]
    TooLong { max: usize },
    #[error("Use at most {max} characters ({now} now)")]
    TooLongNow { max: usize, now: usize },
    #[error("Enter a display name")]
    DisplayNameMissing,
    #[error("Use letters, digits, spaces and punctuation only")]
    PrintableOnly,
    #[error("Remove the control characters")]
    ControlCharacters,
    #[error("Use one line of text")]
    OneLine,
    #[error("Enter a full address starting with https://")]
    WebsiteMalformed,
    #[error("Use an address starting with http:// or https://")]
    WebsiteScheme,
    #[error("Leave out the user name and password")]
    WebsiteCredentials,
    #[error("Choose User or Admin")]
    ChooseRole,
    #[error("Choose Active or Disabled")]
    ChooseStatus,
    #[error("Choose System, Light or Dark")]
    ChooseTheme,
    #[error("Choose a time zone from the list")]
    ChooseTimeZone,
    #[error("Choose a language from the list")]
    ChooseLanguage,
    #[error("Choose Pending, Sent or Failed")]
    ChooseMailState,
    /// Sign-in with an empty password field.
    #[error("Enter your password")]
    PasswordNotEntered,
    /// A change that needs the current password, sent without it.
    #[error("Enter your current password.")]
    CurrentPasswordMissing,
    #[error("The new password must differ from the current one.")]
    PasswordUnchanged,
    /// Deleting one's account, without the password as confirmation.
    #[error("Enter your password to confirm.")]
    ConfirmWithPassword,
    #[error("This is already your address.")]
    SameAddress,
    /// Sign-up with an address an account has.
    #[error("An account with this email already exists. Sign in instead.")]
    AccountExists,
    /// An administrator creating or renaming an account to an address another account has.
    #[error("An account with this email already exists.")]
    EmailTaken,
    #[error(
        "You are the last active administrator: make someone else an administrator before \
         deleting your account."
    )]
    LastAdministratorSelf,
    #[error("This is the last active administrator; make someone else one first.")]
    LastAdministrator,
    #[error("You cannot demote or disable your own account.")]
    OwnAccountRole,
    #[error("You cannot delete your own account from here; use Settings, Account.")]
    OwnAccountDelete,
    /// A confirmation link for an address another account took in the meantime.
    #[error("Another account has taken this address meanwhile. Nothing changed.")]
    AddressTakenMeanwhile,
    #[error("This address is already confirmed.")]
    AddressConfirmed,
    /// A wrong, stale or used authentication code at sign-in.
    #[error("This code is not right, or was used already. Wait for the next code and try again.")]
    WrongCode,
    #[error("This recovery code is not right, or was used already.")]
    WrongRecoveryCode,
    /// The half-signed-in state is gone (expired, too many wrong codes, the account changed).
    #[error("This sign-in has expired. Sign in again with your password.")]
    SignInAgain,
    /// A mailed link that is unknown, used, voided or expired.
    #[error(
        "This link is invalid or has expired. Links work once and for a limited time: ask for a \
         new one."
    )]
    LinkInvalid,
    /// A confirmation with a password that is not the account's.
    #[error("This is not your current password.")]
    WrongPassword,
    #[error("Turning off your last second factor needs your current password.")]
    LastFactorNeedsPassword,
    #[error("This is not your current password or a current authentication code.")]
    WrongConfirmation,
    #[error("Choose \"Set up authenticator app\" first.")]
    SetUpTotpFirst,
    #[error("This code is not right. Check that the app shows Roster and try the newest code.")]
    WrongSetupCode,
    #[error("An authenticator app is on already. Turn it off first to set up another.")]
    TotpOnAlready,
    #[error("Turn on an authenticator app or add a passkey first.")]
    NoSecondFactor,
    #[error("Give the token a name, such as where it will be used")]
    TokenNameMissing,
    #[error("Choose at least one scope")]
    ChooseScope,
    #[error("Choose when the token expires")]
    ChooseExpiry,
    #[error("Only administrators may use the users scopes")]
    AdminScopesOnly,
    #[error("You already have {max} tokens, the most allowed. Revoke one first.")]
    TooManyTokens { max: usize },
}

impl Refusal {
    /// One of each variant (with sample numbers), for tests that must see every refusal; the
    /// match makes a new variant fail to compile until it is listed here.
    #[cfg(test)]
    pub fn examples() -> Vec<Refusal> {
        use Refusal::*;
        let all = vec![
            EmailMissing,
            EmailTooLong { max: 254 },
            EmailMalformed,
            PasswordMissing,
            TooShort { min: 12, now: 3 },
            TooLong { max: 64 },
            TooLongNow {
                max: 1000,
                now: 1001,
            },
            DisplayNameMissing,
            PrintableOnly,
            ControlCharacters,
            OneLine,
            WebsiteMalformed,
            WebsiteScheme,
            WebsiteCredentials,
            ChooseRole,
            ChooseStatus,
            ChooseTheme,
            ChooseTimeZone,
            ChooseLanguage,
            ChooseMailState,
            PasswordNotEntered,
            CurrentPasswordMissing,
            PasswordUnchanged,
            ConfirmWithPassword,
            SameAddress,
            AccountExists,
            EmailTaken,
            LastAdministratorSelf,
            LastAdministrator,
            OwnAccountRole,
            OwnAccountDelete,
            AddressTakenMeanwhile,
            AddressConfirmed,
            WrongCode,
            WrongRecoveryCode,
            SignInAgain,
            LinkInvalid,
            WrongPassword,
            LastFactorNeedsPassword,
            WrongConfirmation,
            SetUpTotpFirst,
            WrongSetupCode,
            TotpOnAlready,
            NoSecondFactor,
            TokenNameMissing,
            ChooseScope,
            ChooseExpiry,
            AdminScopesOnly,
            TooManyTokens { max: 50 },
        ];
        for refusal in &all {
            match refusal {
                EmailMissing
                | EmailTooLong { .. }
                | EmailMalformed
                | PasswordMissing
                | TooShort { .. }
                | TooLong { .. }
                | TooLongNow { .. }
                | DisplayNameMissing
                | PrintableOnly
                | ControlCharacters
                | OneLine
                | WebsiteMalformed
                | WebsiteScheme
                | WebsiteCredentials
                | ChooseRole
                | ChooseStatus
                | ChooseTheme
                | ChooseTimeZone
                | ChooseLanguage
                | ChooseMailState
                | PasswordNotEntered
                | CurrentPasswordMissing
                | PasswordUnchanged
                | ConfirmWithPassword
                | SameAddress
                | AccountExists
                | EmailTaken
                | LastAdministratorSelf
                | LastAdministrator
                | OwnAccountRole
                | OwnAccountDelete
                | AddressTakenMeanwhile
                | AddressConfirmed
                | WrongCode
                | WrongRecoveryCode
                | SignInAgain
                | LinkInvalid
                | WrongPassword
                | LastFactorNeedsPassword
                | WrongConfirmation
                | SetUpTotpFirst
                | WrongSetupCode
                | TotpOnAlready
                | NoSecondFactor
                | TokenNameMissing
                | ChooseScope
                | ChooseExpiry
                | AdminScopesOnly
                | TooManyTokens { .. } => {}
            }
        }
        all
    }
}

/// Lets a test compare a refusal with the English sentence it expects.
impl PartialEq<&str> for Refusal {
    fn eq(&self, other: &&str) -> bool {
        self.to_string().as_str() == *other
    }
}
