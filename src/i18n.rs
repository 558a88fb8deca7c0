//! The translations: every text a person reads in the browser or a mail, in English (the
//! default) and German, from `locales/<tag>.json` (listed in `Cargo.toml`,
//! `[package.metadata.leptos-i18n]`), compiled in by `leptos_i18n` with typed keys: a key
//! missing from one language is a build warning and a failing test
//! (`tests::both_languages_have_the_same_keys`).
//!
//! - In components: `let locale = use_locale();` then `td!(locale, key)` (a view) or
//!   `td_string!(locale, key)` (a `&'static str`, or a `String` with variables, for attributes
//!   and props). The page's language is a plain value, not `leptos_i18n`'s reactive context:
//!   it never changes while a page is open, and the context's machinery (cookies, the
//!   browser's language list, locale matching) would be 30 KB more wasm for every visitor.
//! - Elsewhere (mails, messages made on the server): the same macros with a [`Locale`] chosen
//!   by [`choose`].
//!
//! The JSON API's problem texts stay English: it is read by programs.
//!
//! How a page's language is chosen: the person's "Language" setting, else the best match of the
//! browser's `Accept-Language` (RFC 9110 §12.5.4; RFC 4647 lookup by `leptos_i18n`), else
//! English. The server renders `<html lang>` with it; the browser's hydration reads it back
//! from there, so both draw the same words (no flash of the other language).

// The generated module `i18n` (`Locale`, the keys, `use_i18n`, `I18nContextProvider`, the
// macros). The macro is deprecated in 0.6 in favour of a build script, which would bring ~100
// crates into every build (ICU's data exporter with an HTTP client and a wasm interpreter)
// for data this module does not use; the code it generates is the same.
#[allow(deprecated)]
mod generated {
    leptos_i18n::load_locales!();
}

pub use generated::i18n::*;

#[cfg(feature = "ssr")]
pub mod letters;

use crate::domain::{Device, GuessTip, GuessWarning, Language, Refusal};

/// The language of the page being drawn (as `app` provides it; English outside a page).
pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_default()
}

/// The catalogue's locale of `language`.
pub fn locale_of(language: Language) -> Locale {
    match language {
        Language::English => Locale::en,
        Language::German => Locale::de,
    }
}

/// The language of `locale`.
pub fn language_of(locale: Locale) -> Language {
    match locale {
        Locale::en => Language::English,
        Locale::de => Language::German,
    }
}

/// `refusal` as a person reads it in `locale` (keys `refusal.*`; the English texts equal
/// `Refusal`'s `Display`, which `tests::refusals_read_in_english_as_the_api_says_them` checks).
pub fn refusal(locale: Locale, refusal: Refusal) -> String {
    use Refusal::*;
    match refusal {
        EmailMissing => td_string!(locale, refusal.email_missing).to_string(),
        EmailTooLong { max } => fill(td_string!(locale, refusal.email_too_long), &[("max", &max)]),
        EmailMalformed => td_string!(locale, refusal.email_malformed).to_string(),
        PasswordMissing => td_string!(locale, refusal.password_missing).to_string(),
        TooShort { min, now } => fill(
            td_string!(locale, refusal.too_short),
            &[("min", &min), ("now", &now)],
        ),
        TooLong { max } => fill(td_string!(locale, refusal.too_long), &[("max", &max)]),
        TooLongNow { max, now } => fill(
            td_string!(locale, refusal.too_long_now),
            &[("max", &max), ("now", &now)],
        ),
        DisplayNameMissing => td_string!(locale, refusal.display_name_missing).to_string(),
        PrintableOnly => td_string!(locale, refusal.printable_only).to_string(),
        ControlCharacters => td_string!(locale, refusal.control_characters).to_string(),
        OneLine => td_string!(locale, refusal.one_line).to_string(),
        WebsiteMalformed => td_string!(locale, refusal.website_malformed).to_string(),
        WebsiteScheme => td_string!(locale, refusal.website_scheme).to_string(),
        WebsiteCredentials => td_string!(locale, refusal.website_credentials).to_string(),
        ChooseRole => td_string!(locale, refusal.choose_role).to_string(),
        ChooseStatus => td_string!(locale, refusal.choose_status).to_string(),
        ChooseTheme => td_string!(locale, refusal.choose_theme).to_string(),
        ChooseTimeZone => td_string!(locale, refusal.choose_time_zone).to_string(),
        ChooseLanguage => td_string!(locale, refusal.choose_language).to_string(),
        ChooseMailState => td_string!(locale, refusal.choose_mail_state).to_string(),
        PasswordNotEntered => td_string!(locale, refusal.password_not_entered).to_string(),
        CurrentPasswordMissing => td_string!(locale, refusal.current_password_missing).to_string(),
        PasswordUnchanged => td_string!(locale, refusal.password_unchanged).to_string(),
        ConfirmWithPassword => td_string!(locale, refusal.confirm_with_password).to_string(),
        SameAddress => td_string!(locale, refusal.same_address).to_string(),
        AccountExists => td_string!(locale, refusal.account_exists).to_string(),
        EmailTaken => td_string!(locale, refusal.email_taken).to_string(),
        LastAdministratorSelf => td_string!(locale, refusal.last_administrator_self).to_string(),
        LastAdministrator => td_string!(locale, refusal.last_administrator).to_string(),
        OwnAccountRole => td_string!(locale, refusal.own_account_role).to_string(),
        OwnAccountDelete => td_string!(locale, refusal.own_account_delete).to_string(),
        AddressTakenMeanwhile => td_string!(locale, refusal.address_taken_meanwhile).to_string(),
        AddressConfirmed => td_string!(locale, refusal.address_confirmed).to_string(),
        WrongCode => td_string!(locale, refusal.wrong_code).to_string(),
        WrongRecoveryCode => td_string!(locale, refusal.wrong_recovery_code).to_string(),
        SignInAgain => td_string!(locale, refusal.sign_in_again).to_string(),
        LinkInvalid => td_string!(locale, refusal.link_invalid).to_string(),
        WrongPassword => td_string!(locale, refusal.wrong_password).to_string(),
        LastFactorNeedsPassword => {
            td_string!(locale, refusal.last_factor_needs_password).to_string()
        }
        WrongConfirmation => td_string!(locale, refusal.wrong_confirmation).to_string(),
        SetUpTotpFirst => td_string!(locale, refusal.set_up_totp_first).to_string(),
        WrongSetupCode => td_string!(locale, refusal.wrong_setup_code).to_string(),
        TotpOnAlready => td_string!(locale, refusal.totp_on_already).to_string(),
        NoSecondFactor => td_string!(locale, refusal.no_second_factor).to_string(),
        TokenNameMissing => td_string!(locale, refusal.token_name_missing).to_string(),
        ChooseScope => td_string!(locale, refusal.choose_scope).to_string(),
        ChooseExpiry => td_string!(locale, refusal.choose_expiry).to_string(),
        AdminScopesOnly => td_string!(locale, refusal.admin_scopes_only).to_string(),
        TooManyTokens { max } => fill(
            td_string!(locale, refusal.too_many_tokens),
            &[("max", &max)],
        ),
        PasskeyNameMissing => td_string!(locale, refusal.passkey_name_missing).to_string(),
        PasskeyNotAccepted => td_string!(locale, refusal.passkey_not_accepted).to_string(),
        PasskeyNotAdded => td_string!(locale, refusal.passkey_not_added).to_string(),
        PasskeyRegistered => td_string!(locale, refusal.passkey_registered).to_string(),
        ClientNameMissing => td_string!(locale, refusal.client_name_missing).to_string(),
        RedirectUriMissing => td_string!(locale, refusal.redirect_uri_missing).to_string(),
        TooManyUris { max } => fill(td_string!(locale, refusal.too_many_uris), &[("max", &max)]),
        UriTooLong { max } => fill(td_string!(locale, refusal.uri_too_long), &[("max", &max)]),
        UriNotAbsolute => td_string!(locale, refusal.uri_not_absolute).to_string(),
        RedirectUriScheme => td_string!(locale, refusal.redirect_uri_scheme).to_string(),
        RedirectUriFragment => td_string!(locale, refusal.redirect_uri_fragment).to_string(),
        RedirectUriCredentials => td_string!(locale, refusal.redirect_uri_credentials).to_string(),
        UnknownScope => td_string!(locale, refusal.unknown_scope).to_string(),
        UnknownSigningAlg => td_string!(locale, refusal.unknown_signing_alg).to_string(),
        ImportTakenMeanwhile => td_string!(locale, refusal.import_taken_meanwhile).to_string(),
        Guessable { warning, tip } => {
            let why = warning.map_or(td_string!(locale, refusal.easy_to_guess), |w| {
                guess_warning(locale, w)
            });
            let tip = tip.map(|t| format!(" {}", guess_tip(locale, t)));
            fill(
                td_string!(locale, refusal.guessable),
                &[("why", &why), ("tip", &tip.unwrap_or_default())],
            )
        }
    }
}

/// `device` as a person reads it in `locale`: "Firefox unter Linux" (keys `device.*`; the
/// English equals `Device`'s `Display`).
pub fn device(locale: Locale, device: &Device) -> String {
    match device {
        Device::Known {
            browser,
            system: Some(system),
        } => fill(
            td_string!(locale, device.on),
            &[("browser", browser), ("system", system)],
        ),
        Device::Known {
            browser,
            system: None,
        } => browser.to_string(),
        Device::Other(raw) => raw.clone(),
        Device::Unknown => td_string!(locale, device.unknown).to_string(),
    }
}

/// Why zxcvbn finds a password guessable, in `locale` (keys `guess_warning.*`).
fn guess_warning(locale: Locale, warning: GuessWarning) -> &'static str {
    use GuessWarning::*;
    match warning {
        StraightRows => td_string!(locale, guess_warning.straight_rows),
        ShortKeyboardPatterns => td_string!(locale, guess_warning.short_keyboard_patterns),
        RepeatedCharacters => td_string!(locale, guess_warning.repeated_characters),
        RepeatedPatterns => td_string!(locale, guess_warning.repeated_patterns),
        Top10 => td_string!(locale, guess_warning.top_10),
        Top100 => td_string!(locale, guess_warning.top_100),
        Common => td_string!(locale, guess_warning.common),
        SimilarToCommon => td_string!(locale, guess_warning.similar_to_common),
        Sequences => td_string!(locale, guess_warning.sequences),
        RecentYears => td_string!(locale, guess_warning.recent_years),
        SingleWord => td_string!(locale, guess_warning.single_word),
        Dates => td_string!(locale, guess_warning.dates),
        NamesAlone => td_string!(locale, guess_warning.names_alone),
        CommonNames => td_string!(locale, guess_warning.common_names),
    }
}

/// zxcvbn's suggestion for a better password, in `locale` (keys `guess_tip.*`).
fn guess_tip(locale: Locale, tip: GuessTip) -> &'static str {
    use GuessTip::*;
    match tip {
        FewWords => td_string!(locale, guess_tip.few_words),
        NoSymbolsNeeded => td_string!(locale, guess_tip.no_symbols_needed),
        AddWords => td_string!(locale, guess_tip.add_words),
        Capitalization => td_string!(locale, guess_tip.capitalization),
        AllUppercase => td_string!(locale, guess_tip.all_uppercase),
        ReversedWords => td_string!(locale, guess_tip.reversed_words),
        Substitutions => td_string!(locale, guess_tip.substitutions),
        LongerKeyboardPattern => td_string!(locale, guess_tip.longer_keyboard_pattern),
        AvoidRepeats => td_string!(locale, guess_tip.avoid_repeats),
        AvoidSequences => td_string!(locale, guess_tip.avoid_sequences),
        AvoidRecentYears => td_string!(locale, guess_tip.avoid_recent_years),
        AvoidYours => td_string!(locale, guess_tip.avoid_yours),
        AvoidDates => td_string!(locale, guess_tip.avoid_dates),
    }
}

/// `text` with each `{name}` replaced by its value: messages drawn as strings (form messages,
/// mails) use single-brace placeholders, since `load_locales!` interpolates only into views.
/// A placeholder without a value stays as it is (the key-parity test keeps both languages'
/// placeholders equal).
pub fn fill(text: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// A wait as a person reads it in `locale`: "1 second", "2 minutes" (whole minutes from 2
/// minutes on, rounded up; the same steps as `AppError::RateLimited`'s English text).
pub fn wait(locale: Locale, seconds: u64) -> String {
    match seconds {
        1 => td_string!(locale, errors.one_second).to_string(),
        n if n < 120 => fill(td_string!(locale, errors.seconds), &[("n", &n)]),
        s => fill(
            td_string!(locale, errors.minutes),
            &[("n", &s.div_ceil(60))],
        ),
    }
}

/// The language to show: `setting` when the person chose one, else the best match for
/// `accept_language` (the raw header: tags by descending weight, `q=0` meaning "not this one"),
/// else English.
#[cfg(feature = "ssr")]
pub fn choose(setting: Option<Language>, accept_language: Option<&str>) -> Locale {
    use leptos_i18n::Locale as _;
    if let Some(language) = setting {
        return locale_of(language);
    }
    let wanted: Vec<String> = accept_language
        .map(accept_language::parse_with_quality)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, q)| *q > 0.0)
        .map(|(tag, _)| tag)
        .collect();
    Locale::find_locale(&wanted)
}

/// `n` things in `locale`: the text `one` or `other` (CLDR plural categories; English and
/// German both use `one` for exactly 1), its `{count}` filled with [`number`].
pub fn plural(locale: Locale, n: u64, one: &str, other: &str) -> String {
    let singular = match locale {
        Locale::en | Locale::de => n == 1,
    };
    fill(
        if singular { one } else { other },
        &[("count", &number(locale, n))],
    )
}

/// A count as a reader of `locale` writes it, thousands grouped (CLDR: "100,000" in English,
/// "100.000" in German).
pub fn number(locale: Locale, n: u64) -> String {
    let separator = match locale {
        Locale::en => ',',
        Locale::de => '.',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// The `Accept-Language` of the request being rendered or handled, if any
/// ([`crate::request::accept_language`]: at most its length cap, as every reader takes it).
#[cfg(feature = "ssr")]
pub fn accept_language() -> Option<String> {
    crate::request::with_parts(|parts| {
        crate::request::accept_language(&parts.headers).map(str::to_owned)
    })
    .flatten()
}

/// The language of the page a request with no page of its own comes from (a script's JSON
/// call): the signed-in person's `setting`, else the client's `Accept-Language`, else English.
#[cfg(feature = "ssr")]
pub fn request_locale(setting: Option<Language>, client: &crate::request::Client) -> Locale {
    choose(setting, client.languages.as_deref())
}

/// The language of a mail to someone whose "Language" setting is `setting` (the stored tag):
/// that setting; else, when the recipient made the request that causes the mail (`own`: a
/// reset link they asked for, a notice of their own change), the language their browser asked
/// for (the current request's `Accept-Language`, [`crate::request::current_languages`], also
/// in a task spawned for the request); else English (a mail caused by an administrator).
#[cfg(feature = "ssr")]
pub fn mail_locale(setting: Option<&str>, own: bool) -> Locale {
    let setting = setting.and_then(Language::from_tag);
    let accept = if own {
        crate::request::current_languages()
    } else {
        None
    };
    choose(setting, accept.as_deref())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every key path of a locale file (`a.b.c`), with the `{{ variables }}` each text uses.
    fn keys(tag: &str) -> BTreeSet<String> {
        fn walk(prefix: &str, value: &serde_json::Value, out: &mut BTreeSet<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let path = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(&path, v, out);
                    }
                }
                serde_json::Value::String(text) => {
                    // `{{ view_variable }}` and `{string_placeholder}` alike.
                    let mut vars: Vec<&str> = text
                        .split('{')
                        .skip(1)
                        .filter_map(|rest| rest.split('}').next())
                        .map(str::trim)
                        .filter(|name| !name.is_empty())
                        .collect();
                    vars.sort_unstable();
                    out.insert(format!("{prefix} {vars:?}"));
                }
                other => {
                    out.insert(format!("{prefix} {other}"));
                }
            }
        }
        let path = format!("{}/locales/{tag}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let mut out = BTreeSet::new();
        walk("", &json, &mut out);
        out
    }

    /// A text in one language and not the other (or with other variables) fails here, whatever
    /// the build's warnings say.
    #[test]
    fn plurals_take_one_for_exactly_one() {
        let (one, other) = ("{count} user", "{count} users");
        assert_eq!(plural(Locale::en, 1, one, other), "1 user");
        assert_eq!(plural(Locale::en, 0, one, other), "0 users");
        assert_eq!(plural(Locale::en, 1000, one, other), "1,000 users");
        assert_eq!(
            plural(Locale::de, 2, "{count} Person", "{count} Personen"),
            "2 Personen"
        );
    }

    #[test]
    fn numbers_are_grouped_as_each_language_writes_them() {
        assert_eq!(number(Locale::en, 0), "0");
        assert_eq!(number(Locale::en, 999), "999");
        assert_eq!(number(Locale::en, 1000), "1,000");
        assert_eq!(number(Locale::en, 100_000), "100,000");
        assert_eq!(number(Locale::de, 100_000), "100.000");
        assert_eq!(number(Locale::de, 1_234_567), "1.234.567");
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let english = keys("en");
        for language in Language::ALL {
            let other = keys(language.tag());
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "locales/{}.json differs from en.json: missing {missing:?}, extra {extra:?}",
                language.tag()
            );
        }
    }

    /// The pages' English and the API's English are one text, so a refusal reworded in one
    /// place and not the other fails here.
    #[test]
    fn devices_read_in_english_as_their_display_and_in_german_with_unter() {
        let devices = [
            Device::Known {
                browser: "Chrome",
                system: Some("Linux"),
            },
            Device::Known {
                browser: "Safari",
                system: None,
            },
            Device::Other("curl/8.0".into()),
            Device::Unknown,
        ];
        for d in &devices {
            assert_eq!(device(Locale::en, d), d.to_string());
        }
        assert_eq!(device(Locale::de, &devices[0]), "Chrome unter Linux");
        assert_eq!(device(Locale::de, &devices[3]), "Unbekannter Browser");
    }

    #[test]
    fn refusals_read_in_english_as_the_api_says_them() {
        for example in Refusal::examples() {
            assert_eq!(refusal(Locale::en, example), example.to_string());
            let german = refusal(Locale::de, example);
            assert_ne!(
                german,
                example.to_string(),
                "{example:?} has no German text"
            );
        }
        assert_eq!(
            refusal(Locale::de, Refusal::TooShort { min: 12, now: 3 }),
            "Verwenden Sie mindestens 12 Zeichen (bisher 3)"
        );
    }

    #[test]
    fn waits_read_in_both_languages() {
        assert_eq!(wait(Locale::en, 1), "1 second");
        assert_eq!(wait(Locale::en, 90), "90 seconds");
        assert_eq!(wait(Locale::en, 121), "3 minutes");
        assert_eq!(wait(Locale::de, 1), "1 Sekunde");
        assert_eq!(wait(Locale::de, 900), "15 Minuten");
    }

    #[test]
    fn every_language_has_its_locale_and_back() {
        for language in Language::ALL {
            assert_eq!(language_of(locale_of(language)), language);
            assert_eq!(locale_of(language).as_str(), language.tag());
        }
    }

    #[test]
    fn the_setting_wins_then_the_browsers_weights_then_english() {
        let de = Some("de-DE,de;q=0.9,en;q=0.8");
        assert_eq!(choose(Some(Language::English), de), Locale::en);
        assert_eq!(choose(None, de), Locale::de);
        assert_eq!(
            choose(None, Some("fr-CH, fr;q=0.9, de;q=0.7, en;q=0.5")),
            Locale::de
        );
        assert_eq!(
            choose(None, Some("en;q=0.4, de;q=0.8")),
            Locale::de,
            "weights, not order"
        );
        assert_eq!(
            choose(None, Some("de;q=0, en;q=0.1")),
            Locale::en,
            "q=0 refuses"
        );
        assert_eq!(choose(None, Some("fr, ja")), Locale::en);
        assert_eq!(choose(None, Some("")), Locale::en);
        assert_eq!(choose(None, Some(";;,,q=")), Locale::en);
        assert_eq!(choose(None, None), Locale::en);
    }
}
