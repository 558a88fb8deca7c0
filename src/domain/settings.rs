use serde::{Deserialize, Serialize};

/// The colour theme of every page: follow the operating system, or always light or dark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// Every theme, in the order the settings form lists them.
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// Parses the stored or submitted name (`system`, `light`, `dark`).
    ///
    /// Errors (a `Refusal`): any other text.
    pub fn parse(input: &str) -> Result<Self, super::Refusal> {
        match input.trim() {
            "system" => Ok(Theme::System),
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            _ => Err(super::Refusal::ChooseTheme),
        }
    }

    /// The stored name, also the value of `data-theme` on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// A language Roster's pages and mails can be read in (the catalogue is `locales/<tag>.json`).
///
/// A person's setting is an `Option<Language>`: `None` follows the browser's `Accept-Language`.
/// The setting is stored as the tag; a stored tag this build does not ship reads as `None`, so
/// a build without a language never locks anyone out of their pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "de")]
    German,
}

impl Language {
    /// Every language, in the order the settings form lists them (English, the default, first).
    pub const ALL: [Language; 2] = [Language::English, Language::German];

    /// The BCP 47 tag (RFC 5646): the stored value, the form's value and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
        }
    }

    /// The language's name in itself, as language menus show them (the reader may not know
    /// the current one).
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::German => "Deutsch",
        }
    }

    /// The language with tag `tag`, if Roster ships it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The setting's value for "follow the browser" (a form cannot send an empty choice apart
    /// from no choice: both arrive as nothing).
    pub const BROWSER: &'static str = "browser";

    /// Parses the submitted setting: a tag, or [`Language::BROWSER`] for the browser's choice
    /// (`None`).
    ///
    /// Errors (a `Refusal`): any other text.
    pub fn parse_setting(input: &str) -> Result<Option<Self>, super::Refusal> {
        match input.trim() {
            Self::BROWSER => Ok(None),
            tag => Self::from_tag(tag)
                .map(Some)
                .ok_or(super::Refusal::ChooseLanguage),
        }
    }
}

/// A time zone name from the IANA time zone database, such as `Europe/Lisbon` or `UTC`.
///
/// In the browser only the shape is checked (the list would add the whole database to the
/// wasm); the server also checks that the name is in the database it ships (`chrono-tz`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Errors (a `Refusal`): empty, longer than 64 characters, characters no IANA name has, or
    /// (on the server) a name the database does not know.
    pub fn parse(input: &str) -> Result<Self, super::Refusal> {
        let name = input.trim();
        let message = || super::Refusal::ChooseTimeZone;
        if name.is_empty()
            || name.len() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        {
            return Err(message());
        }
        #[cfg(feature = "ssr")]
        if name.parse::<chrono_tz::Tz>().is_err() {
            return Err(message());
        }
        Ok(TimeZoneName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_round_trips() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Ok(theme));
        }
        assert!(Theme::parse("purple").is_err());
        assert!(Theme::parse("").is_err());
        assert!(Theme::parse("Dark").is_err());
    }

    #[test]
    fn language_settings_round_trip_and_empty_is_the_browsers_choice() {
        for language in Language::ALL {
            assert_eq!(Language::parse_setting(language.tag()), Ok(Some(language)));
        }
        assert_eq!(Language::parse_setting("browser"), Ok(None));
        assert!(Language::parse_setting("").is_err());
        assert!(Language::parse_setting("fr").is_err());
        assert!(Language::parse_setting("EN").is_err());
        assert_eq!(Language::from_tag("xx"), None);
    }

    #[test]
    fn time_zone_accepts_iana_names() {
        for name in [
            "UTC",
            "Europe/Lisbon",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert_eq!(TimeZoneName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn time_zone_refuses_junk() {
        for bad in [
            "",
            " ",
            "Europe/Lisbon; DROP",
            "../etc/passwd x",
            &"A".repeat(65),
        ] {
            assert!(TimeZoneName::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn time_zone_must_exist_on_the_server() {
        assert!(TimeZoneName::parse("Mars/Olympus_Mons").is_err());
    }
}
