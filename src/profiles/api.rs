//! Server functions of the profile feature. Each acts on the signed-in caller only: authorize,
//! parse, call the service, answer.

use leptos::prelude::*;

use super::{ProfileData, SettingsData};
#[cfg(feature = "ssr")]
use super::{ProfileForm, SettingsForm};
use crate::error::AppError;

/// The caller's profile (as the session guard read it with the session: no second query).
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "profile")]
pub async fn get_profile() -> Result<ProfileData, AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let language = r.caller.time_format(&r.ctx.client).language;
    match r.caller.profile() {
        Some(row) => Ok(super::service::profile_data(row.clone(), language)),
        None => super::service::profile(&r.state, &me, language).await,
    }
}

/// Saves the caller's profile, then sends them to `/profile?saved=1` ("Profile saved").
///
/// Errors: `Unauthorized` when signed out; `Validation` per field.
#[server(prefix = "/fn", endpoint = "update_profile")]
pub async fn update_profile(
    display_name: String,
    bio: String,
    location: String,
    website: String,
) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let change = ProfileForm {
        display_name,
        bio,
        location,
        website,
    }
    .parse()
    .map_err(AppError::Validation)?;
    super::service::update(&r.state, &me, &change, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::PROFILE, "saved"));
    Ok(())
}

/// The caller's settings and the time zones to choose from.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "settings")]
pub async fn get_settings() -> Result<SettingsData, AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let language = r.caller.time_format(&r.ctx.client).language;
    super::service::settings(&r.state, &me, language, r.state.now()).await
}

/// Saves the caller's settings, then sends them to `/settings?saved=1` ("Settings saved").
/// `language`: a tag, `browser` for the browser's choice, absent (or empty) for unchanged.
///
/// Errors: `Unauthorized` when signed out; `Validation` per field.
#[server(prefix = "/fn", endpoint = "update_settings")]
pub async fn update_settings(
    theme: String,
    time_zone: String,
    language: Option<String>,
) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let change = SettingsForm {
        theme,
        time_zone,
        language,
    }
    .parse()
    .map_err(AppError::Validation)?;
    super::service::update(&r.state, &me, &change, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(crate::paths::SETTINGS, "saved"));
    Ok(())
}
