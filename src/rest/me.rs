//! `/me`: the token owner's own profile and settings.

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    auth::Bearer,
    json::{exact_profile_text, ApiJson},
    problem::Problem,
    schema::{bio_schema, display_name_schema, location_schema, time_zone_schema, website_schema},
};
use crate::{
    domain::{time::rfc3339, Role, Scope, Theme},
    error::AppError,
    profiles::{service, ProfileChangeText},
    server::AppState,
    store::users::UserRecord,
};

/// The caller's own account, profile and settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    /// Empty, or an http(s) URL.
    pub website: String,
    pub theme: Theme,
    /// IANA time zone name.
    #[schema(example = "Europe/Lisbon")]
    pub time_zone: String,
    pub role: Role,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<UserRecord> for Me {
    fn from(r: UserRecord) -> Self {
        Self {
            id: r.id,
            theme: r.theme,
            role: r.role,
            email: r.email,
            display_name: r.display_name,
            bio: r.bio,
            location: r.location,
            website: r.website,
            time_zone: r.time_zone,
            created_at: rfc3339(r.created_at),
        }
    }
}

/// A change to the caller's own profile and settings: only the fields present change, each by
/// the same rules as the profile and settings forms.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    /// 1 to 64 characters, no control characters, no space at either end.
    #[schema(schema_with = display_name_schema)]
    pub display_name: Option<String>,
    /// At most 1,000 characters; line breaks (`\n`) and tabs allowed.
    #[schema(schema_with = bio_schema)]
    pub bio: Option<String>,
    /// At most 100 characters, one line.
    #[schema(schema_with = location_schema)]
    pub location: Option<String>,
    /// Empty, or an http(s) URL of at most 2,048 characters.
    #[schema(schema_with = website_schema)]
    pub website: Option<String>,
    /// `system`, `light` or `dark`.
    pub theme: Option<Theme>,
    /// An IANA time zone name, e.g. `Europe/Lisbon`.
    #[schema(schema_with = time_zone_schema)]
    pub time_zone: Option<String>,
}

/// Your profile and settings.
#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    operation_id = "get_me",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "Your profile and settings", body = Me)),
)]
pub async fn get_me(State(state): State<AppState>, bearer: Bearer) -> Result<Json<Me>, Problem> {
    let me = bearer.me(Scope::ProfileRead)?;
    Ok(Json(service::own_record(&state, &me).await?.into()))
}

/// Change your profile and settings.
///
/// Only the fields sent change. Each change is an audit event (`profile.updated`) naming this
/// token.
#[utoipa::path(
    patch,
    path = "/me",
    tag = "me",
    operation_id = "update_me",
    request_body = MeUpdate,
    security(("bearer" = ["profile:write"])),
    responses((status = 200, description = "Saved; your profile and settings now", body = Me)),
)]
pub async fn patch_me(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(body): ApiJson<MeUpdate>,
) -> Result<Json<Me>, Problem> {
    let me = bearer.me(Scope::ProfileWrite)?;
    exact_profile_text([
        body.display_name.as_deref(),
        body.bio.as_deref(),
        body.location.as_deref(),
        body.website.as_deref(),
    ])?;
    let change = ProfileChangeText {
        display_name: body.display_name.as_deref(),
        bio: body.bio.as_deref(),
        location: body.location.as_deref(),
        website: body.website.as_deref(),
        theme: body.theme.map(Theme::as_str),
        time_zone: body.time_zone.as_deref(),
        language: None,
    }
    .parse()
    .map_err(AppError::Validation)?;
    service::update(&state, &me, &change, &bearer.ctx, state.now()).await?;
    Ok(Json(service::own_record(&state, &me).await?.into()))
}
