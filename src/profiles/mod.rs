//! A person's own profile (what others see) and settings (theme, time zone).

pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

use crate::{
    domain::{Bio, DisplayName, Location, Theme, TimeZoneName, Website},
    error::FieldErrors,
};

/// The profile form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileForm {
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
}

/// A profile form that passed every field rule.
#[derive(Debug, Clone)]
pub struct ProfileUpdate {
    pub display_name: DisplayName,
    pub bio: Bio,
    pub location: Location,
    pub website: Website,
}

impl ProfileForm {
    /// Applies the field rules; used by the browser before sending and by the server.
    ///
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<ProfileUpdate, FieldErrors> {
        let mut errors = FieldErrors::new();
        let display_name = errors.check("display_name", DisplayName::parse(&self.display_name));
        let bio = errors.check("bio", Bio::parse(&self.bio));
        let location = errors.check("location", Location::parse(&self.location));
        let website = errors.check("website", Website::parse(&self.website));
        match (display_name, bio, location, website) {
            (Some(display_name), Some(bio), Some(location), Some(website)) => Ok(ProfileUpdate {
                display_name,
                bio,
                location,
                website,
            }),
            _ => Err(errors),
        }
    }
}

/// The settings form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettingsForm {
    pub theme: String,
    pub time_zone: String,
}

/// A settings form that passed every field rule.
#[derive(Debug, Clone)]
pub struct SettingsUpdate {
    pub theme: Theme,
    pub time_zone: TimeZoneName,
}

impl SettingsForm {
    /// Errors: `FieldErrors` with one message per refused field.
    pub fn parse(&self) -> Result<SettingsUpdate, FieldErrors> {
        let mut errors = FieldErrors::new();
        let theme = errors.check("theme", Theme::parse(&self.theme));
        let time_zone = errors.check("time_zone", TimeZoneName::parse(&self.time_zone));
        match (theme, time_zone) {
            (Some(theme), Some(time_zone)) => Ok(SettingsUpdate { theme, time_zone }),
            _ => Err(errors),
        }
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
        let update = form.parse().unwrap();
        assert_eq!(update.website.as_str(), "");
    }

    #[test]
    fn settings_form_checks_both_fields() {
        let errors = SettingsForm {
            theme: "neon".into(),
            time_zone: "".into(),
        }
        .parse()
        .unwrap_err();
        assert!(errors.get("theme").is_some());
        assert!(errors.get("time_zone").is_some());
    }
}
