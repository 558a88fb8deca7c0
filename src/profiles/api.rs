//! Server functions of the profile feature. Each acts on the signed-in caller only.

use leptos::prelude::*;

use super::{ProfileData, SettingsData};
#[cfg(feature = "ssr")]
use super::{ProfileForm, SettingsForm};
use crate::error::AppError;

/// The caller's profile.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "profile")]
pub async fn get_profile() -> Result<ProfileData, AppError> {
    use crate::auth::ssr::{pool, require_user_id};
    let user_id = require_user_id().await?;
    super::ssr::load_profile(&pool()?, user_id).await
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
    use crate::auth::ssr::{pool, require_user_id};
    let user_id = require_user_id().await?;
    let update = ProfileForm {
        display_name,
        bio,
        location,
        website,
    }
    .parse()
    .map_err(AppError::Validation)?;
    super::ssr::update_own(&pool()?, user_id, Some(&update), None).await?;
    leptos_axum::redirect("/profile?saved=1");
    Ok(())
}

/// The caller's settings and the time zones to choose from.
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "settings")]
pub async fn get_settings() -> Result<SettingsData, AppError> {
    use crate::auth::ssr::{pool, require_user_id};
    let user_id = require_user_id().await?;
    super::ssr::load_settings(&pool()?, user_id).await
}

/// Saves the caller's settings, then sends them to `/settings?saved=1` ("Settings saved").
///
/// Errors: `Unauthorized` when signed out; `Validation` per field.
#[server(prefix = "/fn", endpoint = "update_settings")]
pub async fn update_settings(theme: String, time_zone: String) -> Result<(), AppError> {
    use crate::auth::ssr::{pool, require_user_id};
    let user_id = require_user_id().await?;
    let update = SettingsForm { theme, time_zone }
        .parse()
        .map_err(AppError::Validation)?;
    super::ssr::update_own(&pool()?, user_id, None, Some(&update)).await?;
    leptos_axum::redirect("/settings?saved=1");
    Ok(())
}
