//! Times as people read them (server only: the time zone database stays out of the wasm).

use chrono_tz::Tz;

use super::Language;

/// How one person reads times: in their IANA time zone and their page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFormat {
    /// An IANA zone name; UTC when unknown.
    pub time_zone: String,
    pub language: Language,
}

impl TimeFormat {
    pub fn new(time_zone: impl Into<String>, language: Language) -> Self {
        Self {
            time_zone: time_zone.into(),
            language,
        }
    }

    /// `unix_seconds` as this person reads it ([`format_time`]).
    pub fn format(&self, unix_seconds: i64) -> String {
        format_time(unix_seconds, &self.time_zone, self.language)
    }
}

/// Formats a Unix time (seconds, UTC) in the IANA zone `time_zone` (UTC if unknown) for a
/// reader of `language`: "27 Nov 2026, 15:04 WET" in English, "27. Nov. 2026, 15:04 WET" in
/// German (month names from the CLDR-derived tables of `pure-rust-locales`, through chrono).
pub fn format_time(unix_seconds: i64, time_zone: &str, language: Language) -> String {
    let tz: Tz = time_zone.parse().unwrap_or(Tz::UTC);
    let Some(t) = chrono::DateTime::from_timestamp(unix_seconds, 0) else {
        return String::new();
    };
    let t = t.with_timezone(&tz);
    match language {
        Language::English => t.format("%-d %b %Y, %H:%M %Z").to_string(),
        Language::German => t
            .format_localized("%-d. %b %Y, %H:%M %Z", chrono::Locale::de_DE)
            .to_string(),
    }
}

/// RFC 3339 text of a Unix time in UTC, e.g. `2026-11-27T18:04:05Z` (exports and the API).
pub fn rfc3339(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Every IANA time zone name known to the server, sorted.
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_given_zone() {
        // 2026-01-15 12:00:00 UTC
        let t = 1_768_478_400;
        let en = Language::English;
        assert_eq!(format_time(t, "UTC", en), "15 Jan 2026, 12:00 UTC");
        assert_eq!(format_time(t, "Asia/Tokyo", en), "15 Jan 2026, 21:00 JST");
        assert_eq!(format_time(t, "Not/AZone", en), "15 Jan 2026, 12:00 UTC");
        // In German: the day with its full stop, the month in German.
        let december = 1_796_616_000; // 2026-12-07 04:00 UTC
        let de = TimeFormat::new("Europe/Berlin", Language::German);
        assert_eq!(de.format(december), "7. Dez 2026, 05:00 CET");
        assert_eq!(
            TimeFormat::new("UTC", Language::English).format(december),
            "7 Dec 2026, 04:00 UTC"
        );
        assert_eq!(rfc3339(t), "2026-01-15T12:00:00Z");
    }

    #[test]
    fn zone_list_is_sorted_and_has_common_zones() {
        let names = time_zone_names();
        assert!(names.windows(2).all(|w| w[0] <= w[1]));
        for name in ["UTC", "Europe/Lisbon", "America/New_York"] {
            assert!(names.iter().any(|n| n == name), "{name}");
        }
    }
}
