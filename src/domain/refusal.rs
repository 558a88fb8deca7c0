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
    #[error("Give the passkey a name, e.g. \"Laptop\" or \"Phone\".")]
    PasskeyNameMissing,
    /// A passkey sign-in whose assertion does not check out (or whose challenge expired).
    #[error("This passkey was not accepted. Try again, or sign in with your password.")]
    PasskeyNotAccepted,
    /// A passkey registration whose attestation does not check out (or expired).
    #[error("This passkey could not be added. Try again.")]
    PasskeyNotAdded,
    #[error("This passkey is registered already.")]
    PasskeyRegistered,
    /// An OpenID Connect client without a name.
    #[error("Give the app a name people will recognise.")]
    ClientNameMissing,
    #[error("Give at least one redirect URI.")]
    RedirectUriMissing,
    #[error("Give at most {max} URIs.")]
    TooManyUris { max: usize },
    /// The URIs below are refusals of one URI, which the form quotes (`FieldErrors::refuse_quoting`).
    #[error("Use at most {max} characters for a URI.")]
    UriTooLong { max: usize },
    #[error("This is not an absolute URL.")]
    UriNotAbsolute,
    #[error("Use https://, or http:// on localhost for an app on your own machine.")]
    RedirectUriScheme,
    #[error("A redirect URI has no #fragment.")]
    RedirectUriFragment,
    #[error("A redirect URI has no user name or password.")]
    RedirectUriCredentials,
    /// A scope name Roster does not offer, which the form quotes.
    #[error("This is no scope Roster offers (openid, profile, email, offline_access).")]
    UnknownScope,
    /// A signing algorithm Roster does not offer, which the form quotes.
    #[error("This is no signing algorithm Roster offers (RS256, EdDSA).")]
    UnknownSigningAlg,
    /// An import whose addresses an account took between the preview and the import.
    #[error(
        "An account with an address of this file was created meanwhile; nothing was imported. \
         Preview again to see which."
    )]
    ImportTakenMeanwhile,
    /// A new password zxcvbn scores below 3: why (its warning, if it gave one) and its first
    /// suggestion (`server::password::check_strength`; SECURITY.md, Passwords).
    #[error("Choose a harder password. {}{}", guess_why(.warning), guess_tip(.tip))]
    Guessable {
        warning: Option<GuessWarning>,
        tip: Option<GuessTip>,
    },
}

/// The English of [`Refusal::Guessable`]'s reason.
fn guess_why(warning: &Option<GuessWarning>) -> String {
    warning.map_or_else(|| "It would be easy to guess.".into(), |w| w.to_string())
}

/// The English of [`Refusal::Guessable`]'s suggestion, with its leading space.
fn guess_tip(tip: &Option<GuessTip>) -> String {
    tip.map(|t| format!(" {t}")).unwrap_or_default()
}

/// What makes a password guessable, as zxcvbn 3.1 warns (its `feedback::Warning`, whose
/// English `Display` this repeats word for word; `server::password` maps one to the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum GuessWarning {
    #[error("Straight rows of keys are easy to guess.")]
    StraightRows,
    #[error("Short keyboard patterns are easy to guess.")]
    ShortKeyboardPatterns,
    #[error("Repeats like \"aaa\" are easy to guess.")]
    RepeatedCharacters,
    #[error("Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\".")]
    RepeatedPatterns,
    #[error("This is a top-10 common password.")]
    Top10,
    #[error("This is a top-100 common password.")]
    Top100,
    #[error("This is a very common password.")]
    Common,
    #[error("This is similar to a commonly used password.")]
    SimilarToCommon,
    #[error("Sequences like abc or 6543 are easy to guess.")]
    Sequences,
    #[error("Recent years are easy to guess.")]
    RecentYears,
    #[error("A word by itself is easy to guess.")]
    SingleWord,
    #[error("Dates are often easy to guess.")]
    Dates,
    #[error("Names and surnames by themselves are easy to guess.")]
    NamesAlone,
    #[error("Common names and surnames are easy to guess.")]
    CommonNames,
}

/// How to choose a better password, as zxcvbn 3.1 suggests (its `feedback::Suggestion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum GuessTip {
    #[error("Use a few words, avoid common phrases.")]
    FewWords,
    #[error("No need for symbols, digits, or uppercase letters.")]
    NoSymbolsNeeded,
    #[error("Add another word or two. Uncommon words are better.")]
    AddWords,
    #[error("Capitalization doesn't help very much.")]
    Capitalization,
    #[error("All-uppercase is almost as easy to guess as all-lowercase.")]
    AllUppercase,
    #[error("Reversed words aren't much harder to guess.")]
    ReversedWords,
    #[error("Predictable substitutions like '@' instead of 'a' don't help very much.")]
    Substitutions,
    #[error("Use a longer keyboard pattern with more turns.")]
    LongerKeyboardPattern,
    #[error("Avoid repeated words and characters.")]
    AvoidRepeats,
    #[error("Avoid sequences.")]
    AvoidSequences,
    #[error("Avoid recent years.")]
    AvoidRecentYears,
    #[error("Avoid years that are associated with you.")]
    AvoidYours,
    #[error("Avoid dates and years that are associated with you.")]
    AvoidDates,
}

impl GuessWarning {
    pub const ALL: [GuessWarning; 14] = [
        GuessWarning::StraightRows,
        GuessWarning::ShortKeyboardPatterns,
        GuessWarning::RepeatedCharacters,
        GuessWarning::RepeatedPatterns,
        GuessWarning::Top10,
        GuessWarning::Top100,
        GuessWarning::Common,
        GuessWarning::SimilarToCommon,
        GuessWarning::Sequences,
        GuessWarning::RecentYears,
        GuessWarning::SingleWord,
        GuessWarning::Dates,
        GuessWarning::NamesAlone,
        GuessWarning::CommonNames,
    ];
}

impl GuessTip {
    pub const ALL: [GuessTip; 13] = [
        GuessTip::FewWords,
        GuessTip::NoSymbolsNeeded,
        GuessTip::AddWords,
        GuessTip::Capitalization,
        GuessTip::AllUppercase,
        GuessTip::ReversedWords,
        GuessTip::Substitutions,
        GuessTip::LongerKeyboardPattern,
        GuessTip::AvoidRepeats,
        GuessTip::AvoidSequences,
        GuessTip::AvoidRecentYears,
        GuessTip::AvoidYours,
        GuessTip::AvoidDates,
    ];
}

impl Refusal {
    /// One of each variant (with sample numbers), for tests that must see every refusal; the
    /// match makes a new variant fail to compile until it is listed here.
    #[cfg(test)]
    pub fn examples() -> Vec<Refusal> {
        use Refusal::*;
        let mut all = vec![
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
            PasskeyNameMissing,
            PasskeyNotAccepted,
            PasskeyNotAdded,
            PasskeyRegistered,
            ClientNameMissing,
            RedirectUriMissing,
            TooManyUris { max: 10 },
            UriTooLong { max: 2000 },
            UriNotAbsolute,
            RedirectUriScheme,
            RedirectUriFragment,
            RedirectUriCredentials,
            UnknownScope,
            UnknownSigningAlg,
            ImportTakenMeanwhile,
            Guessable {
                warning: None,
                tip: None,
            },
        ];
        // Every reason and every suggestion, so each text is checked.
        all.extend(GuessWarning::ALL.into_iter().map(|w| Guessable {
            warning: Some(w),
            tip: Some(GuessTip::AddWords),
        }));
        all.extend(GuessTip::ALL.into_iter().map(|t| Guessable {
            warning: None,
            tip: Some(t),
        }));
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
                | TooManyTokens { .. }
                | PasskeyNameMissing
                | PasskeyNotAccepted
                | PasskeyNotAdded
                | PasskeyRegistered
                | ClientNameMissing
                | RedirectUriMissing
                | TooManyUris { .. }
                | UriTooLong { .. }
                | UriNotAbsolute
                | RedirectUriScheme
                | RedirectUriFragment
                | RedirectUriCredentials
                | UnknownScope
                | UnknownSigningAlg
                | ImportTakenMeanwhile
                | Guessable { .. } => {}
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
