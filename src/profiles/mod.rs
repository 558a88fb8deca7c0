//! A person's own profile (what others see) and settings (theme, time zone, language): the pages, their
//! server functions, and the one service that changes them for the forms and the JSON API
//! alike ([`ProfileChange`]: the forms send every field, `PATCH /api/v1/me` some).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::{
    domain::{Bio, DisplayName, Language, Location, Theme, TimeZoneName, Website},
    error::FieldErrors,
};

/// A change to a person's own profile and settings: each field present changes, the others
/// keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub display_name: Option<DisplayName>,
    pub bio: Option<Bio>,
    pub location: Option<Location>,
    pub website: Option<Website>,
    pub theme: Option<Theme>,
    pub time_zone: Option<TimeZoneName>,
    /// `Some(None)`: follow the browser's language from now on.
    pub language: Option<Option<Language>>,
}

/// The fields of a change as sent, each optional (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChangeText<'a> {
    pub display_name: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub location: Option<&'a str>,
    pub website: Option<&'a str>,
    pub theme: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    /// A language's tag, or `browser` for the browser's choice.
    pub language: Option<&'a str>,
}

impl ProfileChangeText<'_> {
    /// Applies each present field's rule (the same for the forms and the API).
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<ProfileChange, FieldErrors> {
        fn field<T>(
            errors: &mut FieldErrors,
            name: &str,
            value: Option<&str>,
            parse: fn(&str) -> Result<T, crate::domain::Refusal>,
        ) -> Option<T> {
            value.and_then(|v| errors.check(name, parse(v)))
        }
        let mut errors = FieldErrors::new();
        let change = ProfileChange {
            display_name: field(
                &mut errors,
                "display_name",
                self.display_name,
                DisplayName::parse,
            ),
            bio: field(&mut errors, "bio", self.bio, Bio::parse),
            location: field(&mut errors, "location", self.location, Location::parse),
            website: field(&mut errors, "website", self.website, Website::parse),
            theme: field(&mut errors, "theme", self.theme, Theme::parse),
            time_zone: field(
                &mut errors,
                "time_zone",
                self.time_zone,
                TimeZoneName::parse,
            ),
            language: field(
                &mut errors,
                "language",
                self.language,
                Language::parse_setting,
            ),
        };
        errors.into_result(|| change)
    }
}

/// The profile form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileForm {
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
}

impl ProfileForm {
    /// Applies the field rules; used by the browser before sending and by the server.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<ProfileChange, FieldErrors> {
        ProfileChangeText {
            display_name: Some(&self.display_name),
            bio: Some(&self.bio),
            location: Some(&self.location),
            website: Some(&self.website),
            ..Default::default()
        }
        .parse()
    }
}

/// The settings form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettingsForm {
    pub theme: String,
    pub time_zone: String,
    /// Absent (a form drawn before the setting existed): unchanged.
    pub language: Option<String>,
}

impl SettingsForm {
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<ProfileChange, FieldErrors> {
        ProfileChangeText {
            theme: Some(&self.theme),
            time_zone: Some(&self.time_zone),
            language: self.language.as_deref(),
            ..Default::default()
        }
        .parse()
    }
}

/// What the profile page shows and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileData {
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    /// When the account was created, in the person's time zone, e.g. "27 Nov 2026, 15:04 WET".
    pub member_since: String,
}

/// What the settings page shows and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsData {
    pub theme: Theme,
    pub time_zone: String,
    /// `None`: the browser's choice.
    pub language: Option<Language>,
    /// Every IANA time zone name the server knows, sorted.
    pub time_zones: Vec<String>,
    /// The time now in `time_zone`, e.g. "27 Nov 2026, 15:04 WET".
    pub local_time: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_form_reports_each_bad_field() {
        let form = ProfileForm {
            display_name: "".into(),
            bio: "x".repeat(1001),
            location: "a\nb".into(),
            website: "ftp://example.org".into(),
        };
        let errors = form.parse().unwrap_err();
        for field in ["display_name", "bio", "location", "website"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn profile_form_accepts_empty_optional_fields() {
        let form = ProfileForm {
            display_name: "Ann".into(),
            ..Default::default()
        };
        let change = form.parse().unwrap();
        assert_eq!(change.website.unwrap().as_str(), "");
        assert_eq!(change.theme, None, "the profile form leaves settings alone");
    }

    #[test]
    fn a_partial_change_parses_only_what_is_present() {
        let change = ProfileChangeText {
            bio: Some("Hello"),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(change.bio.unwrap().as_str(), "Hello");
        assert_eq!(change.display_name, None);
        let refused = ProfileChangeText {
            display_name: Some(""),
            theme: Some("neon"),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(refused.get("display_name").is_some() && refused.get("theme").is_some());
        assert!(refused.get("bio").is_none());
    }

    #[test]
    fn settings_form_checks_both_fields() {
        let errors = SettingsForm {
            theme: "neon".into(),
            time_zone: "".into(),
            language: Some("xx".into()),
        }
        .parse()
        .unwrap_err();
        assert!(errors.get("theme").is_some());
        assert!(errors.get("time_zone").is_some());
        assert!(errors.get("language").is_some());
        let change = SettingsForm {
            theme: "dark".into(),
            time_zone: "UTC".into(),
            language: Some("browser".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(change.language, Some(None), "the browser's choice");
    }
}
