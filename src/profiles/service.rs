//! The profile service: a person's own profile and settings, read and changed through their
//! [`Me`]. Every change and its `profile.updated` event are one transaction.

use super::{ProfileChange, ProfileData, SettingsData};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::Me,
    domain::{
        time::{format_time, time_zone_names},
        Language,
    },
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::users::{self, ProfileRow, UserRecord},
};

/// The profile page's data from a stored row, "member since" in the owner's own time zone, for
/// a page in `language`.
pub fn profile_data(row: ProfileRow, language: Language) -> ProfileData {
    ProfileData {
        member_since: format_time(row.created_at, &row.time_zone, language),
        email: row.email,
        display_name: row.display_name,
        bio: row.bio,
        location: row.location,
        website: row.website,
    }
}

/// `me`'s profile, for a page in `language`.
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn profile(
    state: &AppState,
    me: &Me,
    language: Language,
) -> Result<ProfileData, AppError> {
    users::profile(state.pool(), me.user_id())
        .await?
        .map(|row| profile_data(row, language))
        .ok_or(AppError::NotFound)
}

/// `me`'s settings with the time zones to choose from and the time `now` in theirs, for a page
/// in `language`.
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn settings(
    state: &AppState,
    me: &Me,
    language: Language,
    now: i64,
) -> Result<SettingsData, AppError> {
    let own = users::own_fields(state.pool(), me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(SettingsData {
        theme: own.theme,
        language: own.language.as_deref().and_then(Language::from_tag),
        local_time: format_time(now, &own.time_zone, language),
        time_zone: own.time_zone,
        time_zones: time_zone_names(),
    })
}

/// Everything stored about `me` but the password hash (for `GET /api/v1/me`).
///
/// Errors: `NotFound` if the user no longer exists.
pub async fn own_record(state: &AppState, me: &Me) -> Result<UserRecord, AppError> {
    users::record(state.pool(), me.user_id())
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies `change` to `me`'s profile and settings and records `profile.updated` with each
/// changed field as `[before, after]`, in one transaction at `now`. Nothing is written when
/// nothing changed.
///
/// Errors: `NotFound` if the user no longer exists; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn update(
    state: &AppState,
    me: &Me,
    change: &ProfileChange,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let before = users::own_fields(&mut tx, me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let after = apply(&before, change);
    let changes = changed_fields(&before, &after);
    if changes.is_empty() {
        return Ok(());
    }
    users::save_own_fields(&mut tx, me.user_id(), &after, now).await?;
    let event = AuditEvent::new(
        AuditAction::ProfileUpdated,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("changes", serde_json::Value::Object(changes));
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()
}

/// The stored fields with `change` applied.
pub fn apply(before: &users::OwnFields, change: &ProfileChange) -> users::OwnFields {
    let mut after = before.clone();
    if let Some(v) = &change.display_name {
        after.display_name = v.as_str().into();
    }
    if let Some(v) = &change.bio {
        after.bio = v.as_str().into();
    }
    if let Some(v) = &change.location {
        after.location = v.as_str().into();
    }
    if let Some(v) = &change.website {
        after.website = v.as_str().into();
    }
    if let Some(v) = change.theme {
        after.theme = v;
    }
    if let Some(v) = &change.time_zone {
        after.time_zone = v.as_str().into();
    }
    if let Some(v) = change.language {
        after.language = v.map(|language| language.tag().to_string());
    }
    after
}

/// `{field: [before, after]}` for each field that differs, in the fields' order.
pub fn changed_fields(
    before: &users::OwnFields,
    after: &users::OwnFields,
) -> serde_json::Map<String, serde_json::Value> {
    before
        .named()
        .into_iter()
        .zip(after.named())
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| (field.to_string(), serde_json::json!([old, new])))
        .collect()
}
