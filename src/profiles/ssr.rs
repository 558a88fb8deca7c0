//! Server-only profile and settings queries. Every query is keyed by the signed-in caller's
//! own user id, which comes from the session and never from the request body.

use chrono_tz::Tz;
use sqlx::SqlitePool;

use super::{ProfileData, ProfileUpdate, SettingsData, SettingsUpdate};
use crate::{
    domain::Theme,
    error::{internal, AppError},
    server::db::now_unix,
};

/// `NotFound` when an update keyed by user id touched no row (the user no longer exists).
fn updated_one(done: sqlx::sqlite::SqliteQueryResult) -> Result<(), AppError> {
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

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

/// Every IANA time zone name known to the server, sorted.
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_string())
        .collect();
    names.sort();
    names
}

/// The columns of a [`ProfileRow`], from `users u` joined with `profiles p`.
pub const PROFILE_COLUMNS: &str =
    "u.email, p.display_name, p.bio, p.location, p.website, p.time_zone, u.created_at";

/// A row of [`PROFILE_COLUMNS`]: a profile as its owner sees it on `/profile`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProfileRow {
    email: String,
    display_name: String,
    bio: String,
    location: String,
    website: String,
    time_zone: String,
    created_at: i64,
}

impl ProfileRow {
    /// The profile, its "member since" in the owner's own time zone.
    pub fn into_data(self) -> ProfileData {
        ProfileData {
            member_since: format_time(self.created_at, &self.time_zone),
            email: self.email,
            display_name: self.display_name,
            bio: self.bio,
            location: self.location,
            website: self.website,
        }
    }
}

/// The signed-in caller's profile as the session guard read it in this request, in the same
/// query as the session (see `auth::sessions::session_guard`); `None` outside a page render or
/// server function call behind the guard.
#[derive(Debug, Clone)]
pub struct CurrentProfile {
    /// Whose profile this is (`users.id`).
    pub user_id: i64,
    pub row: ProfileRow,
}

/// The profile of `user_id`: the one read with the session in this request when it is the
/// caller's (no second query), else from the database.
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn load_profile(pool: &SqlitePool, user_id: i64) -> Result<ProfileData, AppError> {
    let current = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentProfile>().cloned())
        .filter(|current| current.user_id == user_id);
    if let Some(current) = current {
        return Ok(current.row.into_data());
    }
    sqlx::query_as::<_, ProfileRow>(&format!(
        "SELECT {PROFILE_COLUMNS} FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = ?"
    ))
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .map(ProfileRow::into_data)
    .ok_or(AppError::NotFound)
}

/// Saves the profile fields of `user_id` through `db` (a pool, or a transaction).
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn save_profile(
    db: impl sqlx::SqliteExecutor<'_>,
    user_id: i64,
    update: &ProfileUpdate,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE profiles SET display_name = ?, bio = ?, location = ?, website = ?, updated_at = ? \
         WHERE user_id = ?",
    )
    .bind(update.display_name.as_str())
    .bind(update.bio.as_str())
    .bind(update.location.as_str())
    .bind(update.website.as_str())
    .bind(now_unix())
    .bind(user_id)
    .execute(db)
    .await
    .map_err(internal)?;
    updated_one(done)
}

/// The settings of `user_id`, with the list of time zones to choose from.
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn load_settings(pool: &SqlitePool, user_id: i64) -> Result<SettingsData, AppError> {
    let (theme, time_zone) = sqlx::query_as::<_, (String, String)>(
        "SELECT theme, time_zone FROM profiles WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    Ok(SettingsData {
        theme: Theme::parse(&theme).unwrap_or_default(),
        local_time: format_time(now_unix(), &time_zone),
        time_zone,
        time_zones: time_zone_names(),
    })
}

/// The person's own profile and settings as stored, in the order `profile.updated` lists them.
const OWN_FIELDS: [&str; 6] = [
    "display_name",
    "bio",
    "location",
    "website",
    "theme",
    "time_zone",
];

/// Saves `user_id`'s own change to their profile and/or settings (from the forms or the API)
/// and records `profile.updated` with each changed field as `[before, after]`, in one
/// transaction. Nothing is written when nothing changed.
///
/// Errors: `NotFound` if the user no longer exists; `Internal` on database failures.
pub async fn update_own(
    pool: &SqlitePool,
    user_id: i64,
    profile: Option<&ProfileUpdate>,
    settings: Option<&SettingsUpdate>,
) -> Result<(), AppError> {
    use crate::audit::{ssr as audit, AuditAction};
    let mut tx = crate::server::db::begin_write(pool).await?;
    let before: (String, String, String, String, String, String) = sqlx::query_as(
        "SELECT display_name, bio, location, website, theme, time_zone FROM profiles \
         WHERE user_id = ?",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?
    .ok_or(AppError::NotFound)?;
    let before = [before.0, before.1, before.2, before.3, before.4, before.5];
    let mut after = before.clone();
    if let Some(p) = profile {
        after[0] = p.display_name.as_str().into();
        after[1] = p.bio.as_str().into();
        after[2] = p.location.as_str().into();
        after[3] = p.website.as_str().into();
    }
    if let Some(s) = settings {
        after[4] = s.theme.as_str().into();
        after[5] = s.time_zone.as_str().into();
    }
    let mut changes = serde_json::Map::new();
    for (i, field) in OWN_FIELDS.iter().enumerate() {
        if before[i] != after[i] {
            changes.insert(field.to_string(), serde_json::json!([before[i], after[i]]));
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE profiles SET display_name = ?, bio = ?, location = ?, website = ?, theme = ?, \
         time_zone = ?, updated_at = ? WHERE user_id = ?",
    )
    .bind(&after[0])
    .bind(&after[1])
    .bind(&after[2])
    .bind(&after[3])
    .bind(&after[4])
    .bind(&after[5])
    .bind(now_unix())
    .bind(user_id)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let event = audit::AuditEvent::new(AuditAction::ProfileUpdated, Some(user_id), Some(user_id))
        .with("changes", serde_json::Value::Object(changes));
    audit::record(&mut *tx, &event).await?;
    tx.commit().await.map_err(internal)
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
