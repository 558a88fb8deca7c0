//! Times as people read them (server only: the time zone database stays out of the wasm).

use chrono_tz::Tz;

/// Formats a Unix time (seconds, UTC) in the IANA zone `time_zone` (UTC if unknown), e.g.
/// "27 Nov 2026, 15:04 WET".
pub fn format_time(unix_seconds: i64, time_zone: &str) -> String {
    let tz: Tz = time_zone.parse().unwrap_or(Tz::UTC);
    match chrono::DateTime::from_timestamp(unix_seconds, 0) {
        Some(t) => t
            .with_timezone(&tz)
            .format("%-d %b %Y, %H:%M %Z")
            .to_string(),
        None => String::new(),
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
        assert_eq!(format_time(t, "UTC"), "15 Jan 2026, 12:00 UTC");
        assert_eq!(format_time(t, "Asia/Tokyo"), "15 Jan 2026, 21:00 JST");
        assert_eq!(format_time(t, "Not/AZone"), "15 Jan 2026, 12:00 UTC");
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
