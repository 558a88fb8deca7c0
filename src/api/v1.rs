//! `/api/v1`: the JSON API's handlers, its request and response types, and the OpenAPI 3.1
//! document generated from them (`/api/openapi.json`).
//!
//! Every handler takes a [`Principal`] (the bearer token, checked) and runs the same domain
//! functions as the forms: one validation, one audit trail. The router is built only from
//! `utoipa_axum::routes!`, so every route is in the document and nothing else is.

// `Problem` (the error body, ~200 bytes) is built at most once per failed call; boxing it
// would cost an allocation on every refusal and buy nothing.
#![allow(clippy::result_large_err)]

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Path, Query, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder,
    },
    IntoParams, Modify, OpenApi, ToSchema,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    problem::{Problem, ProblemField, ProblemType, PROBLEM_JSON},
    ssr::{self as tokens, ApiUserRecord, Principal, TokenRefusal},
    Scope,
};
use crate::{
    admin::{ssr as admin, UserEditForm, UserListQuery},
    auth::ssr::NewUserRow,
    domain::{AccountStatus, DisplayName, Email, Role},
    error::{AppError, FieldErrors},
    profiles::{ProfileForm, SettingsForm},
    server::{app::MAX_BODY_BYTES, password::NO_PASSWORD, AppState},
};

/// Where the API is mounted.
pub const BASE_PATH: &str = "/api/v1";

/// Default and largest `limit` of `GET /users`.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
pub const MAX_PAGE_LIMIT: u32 = 200;

// ---- Authentication -------------------------------------------------------------------------

/// Query parameters that would carry a token; a URL with one is refused, since URLs end up in
/// logs and browser history (`shared/SECURITY.md`, API tokens).
fn token_in_query(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(key, value)| {
            key == "access_token" || key == "token" || value.contains(super::TOKEN_PREFIX)
        })
    })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    /// Reads `Authorization: Bearer <token>` (the scheme name is case-insensitive, RFC 9110
    /// §11.1), checks the token and the owner, then counts the call against the token's rate
    /// limit.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if token_in_query(parts.uri.query()) {
            return Err(Problem::new(
                ProblemType::TokenInQuery,
                "Tokens are accepted only in the Authorization header, never in the URL.",
            ));
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(Problem::authentication_required)?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or_else(Problem::authentication_required)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Problem::authentication_required());
        }
        let principal = tokens::authenticate(&state.pool, token.trim(), state.now())
            .await
            .map_err(|refusal| match refusal {
                Ok(TokenRefusal::Invalid) => {
                    Problem::invalid_token("The token is not valid: unknown or revoked.")
                }
                Ok(TokenRefusal::Expired) => Problem::invalid_token("The token has expired."),
                Ok(TokenRefusal::OwnerDisabled) => {
                    Problem::invalid_token("The token's account is disabled.")
                }
                Err(error) => Problem::from(error),
            })?;
        let _ = crate::audit::ssr::API_CALL.try_with(|call| call.token_id.set(principal.token_id));
        if let Some(wait) = state.throttle.api_call(principal.token_id) {
            return Err(Problem::rate_limited(wait));
        }
        Ok(principal)
    }
}

/// `Ok` when the call may use `scope`, else the 403 naming it.
fn need(principal: &Principal, scope: Scope) -> Result<(), Problem> {
    if principal.has(scope) {
        Ok(())
    } else {
        Err(Problem::insufficient_scope(scope))
    }
}

// ---- Request bodies -------------------------------------------------------------------------

/// A JSON body whose every refusal is a problem: 415 without a JSON content type, 400
/// `malformed-json` for bad syntax, 400 `unknown-field` for a field the operation does not
/// take, 400 `invalid-body` for a wrong shape, 413 over [`MAX_BODY_BYTES`].
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            ProblemType::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            Problem::new(ProblemType::MalformedJson, e.body_text())
        }
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let kind = if text.contains("unknown field") {
                ProblemType::UnknownField
            } else {
                ProblemType::InvalidBody
            };
            Problem::new(kind, text)
        }
        JsonRejection::BytesRejection(_) => Problem::new(
            ProblemType::PayloadTooLarge,
            format!("The body is larger than {MAX_BODY_BYTES} bytes."),
        ),
        _ => Problem::new(ProblemType::InvalidBody, "The body could not be read."),
    }
}

fn parameter_problem(text: String) -> Problem {
    Problem::new(ProblemType::InvalidParameter, text)
}

// ---- Field rules ----------------------------------------------------------------------------

/// Characters no single-line field takes: C0, DEL and C1 controls (`char::is_control`).
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// What a bio takes besides: every control but tab and line feed (so no carriage return).
const BIO_CONTROL: &str = r"\x00-\x08\x0B-\x1F\x7F-\x9F";

/// A pattern for text without the `excluded` characters that neither starts nor ends with
/// white space (`required`: at least one character).
fn text_pattern(excluded: &str, required: bool) -> String {
    let inner = format!(r"[^\s{excluded}]([^{excluded}]*[^\s{excluded}])?");
    if required {
        format!("^{inner}$")
    } else {
        format!("^({inner})?$")
    }
}

/// A string schema, `null` allowed when `nullable` (an absent or `null` field keeps its value).
fn string_schema(
    nullable: bool,
    min: Option<usize>,
    max: usize,
    pattern: Option<String>,
) -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let kind: utoipa::openapi::schema::SchemaType = if nullable {
        [Type::String, Type::Null].into_iter().collect()
    } else {
        Type::String.into()
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .min_length(min)
        .max_length(Some(max))
        .pattern(pattern)
        .build()
}

fn display_name_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        Some(1),
        DisplayName::MAX_CHARS,
        Some(text_pattern(CONTROL, true)),
    )
}

fn required_display_name_schema() -> utoipa::openapi::Object {
    string_schema(
        false,
        Some(1),
        DisplayName::MAX_CHARS,
        Some(text_pattern(CONTROL, true)),
    )
}

fn bio_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Bio::MAX_CHARS,
        Some(text_pattern(BIO_CONTROL, false)),
    )
}

fn location_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Location::MAX_CHARS,
        Some(text_pattern(CONTROL, false)),
    )
}

/// Empty, or `http(s)://host[:port][/path...]` with no spaces or controls.
fn website_schema() -> utoipa::openapi::Object {
    string_schema(
        true,
        None,
        crate::domain::Website::MAX_CHARS,
        Some(r"^(https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z])?(:[0-9]{1,4})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?)?$".into()),
    )
}

/// One of the server's IANA time zone names.
fn time_zone_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let mut names: Vec<serde_json::Value> = crate::profiles::ssr::time_zone_names()
        .into_iter()
        .map(serde_json::Value::from)
        .collect();
    names.push(serde_json::Value::Null);
    ObjectBuilder::new()
        .schema_type(
            [Type::String, Type::Null]
                .into_iter()
                .collect::<utoipa::openapi::schema::SchemaType>(),
        )
        .enum_values(Some(names))
        .build()
}

/// The API takes text as it is meant to be stored: a field with white space at either end, or a
/// bio with a carriage return, is refused rather than silently changed, so the schema's
/// patterns say exactly what is accepted.
fn exact_text(errors: &mut FieldErrors, field: &str, value: Option<&str>) {
    let Some(value) = value else { return };
    if value.trim() != value {
        errors.add(field, "Remove the spaces at the start and end");
    } else if field == "bio" && value.contains('\r') {
        errors.add(field, "Use \\n for line breaks");
    }
}

/// [`exact_text`] for the profile fields of a change (display name, bio, location, website).
fn exact_profile_text(values: [Option<&str>; 4]) -> Result<(), Problem> {
    let mut errors = FieldErrors::new();
    for (field, value) in ["display_name", "bio", "location", "website"]
        .into_iter()
        .zip(values)
    {
        exact_text(&mut errors, field, value);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors).into())
    }
}

// ---- Types ----------------------------------------------------------------------------------

/// A time as RFC 3339 in UTC, e.g. `2026-11-27T21:04:05Z`.
fn rfc3339(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

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
    #[schema(example = "system")]
    pub theme: String,
    /// IANA time zone name.
    #[schema(example = "Europe/Lisbon")]
    pub time_zone: String,
    /// `user` or `admin`.
    pub role: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<ApiUserRecord> for Me {
    fn from(r: ApiUserRecord) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            bio: r.bio,
            location: r.location,
            website: r.website,
            theme: r.theme,
            time_zone: r.time_zone,
            role: r.role,
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
    pub theme: Option<ThemeName>,
    /// An IANA time zone name, e.g. `Europe/Lisbon`.
    #[schema(schema_with = time_zone_schema)]
    pub time_zone: Option<String>,
}

/// A theme name.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    System,
    Light,
    Dark,
}

/// A role name.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    User,
    Admin,
}

/// An account status name.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StatusName {
    Active,
    Disabled,
}

impl RoleName {
    fn role(self) -> Role {
        match self {
            RoleName::User => Role::User,
            RoleName::Admin => Role::Admin,
        }
    }
}

impl StatusName {
    fn status(self) -> AccountStatus {
        match self {
            StatusName::Active => AccountStatus::Active,
            StatusName::Disabled => AccountStatus::Disabled,
        }
    }
}

impl ThemeName {
    fn as_str(self) -> &'static str {
        match self {
            ThemeName::System => "system",
            ThemeName::Light => "light",
            ThemeName::Dark => "dark",
        }
    }
}

/// One user, as administrators' tokens see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    /// `user` or `admin`.
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `null` before the first sign-in.
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<ApiUserRecord> for User {
    fn from(r: ApiUserRecord) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            bio: r.bio,
            location: r.location,
            website: r.website,
            role: r.role,
            status: r.status,
            created_at: rfc3339(r.created_at),
            last_login_at: r.last_login_at.map(rfc3339),
        }
    }
}

/// One page of users in id order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and position of `GET /users`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Text found anywhere in the email or display name (case-insensitive).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only users with this role.
    pub role: Option<RoleName>,
    /// Only users with this status.
    pub status: Option<StatusName>,
    /// `next_cursor` of the previous page; absent for the first page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Users per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A new user. They get no password: an administrator gives them a one-time password with
/// "Reset password" (passwords are never sent through the API).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Sign-in email, unique (compared lower-cased).
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 1 to 64 characters, no control characters, no space at either end.
    #[schema(schema_with = required_display_name_schema)]
    pub display_name: String,
    /// Default `user`.
    pub role: Option<RoleName>,
}

/// A change to a user: only the fields present change, by the admin console's rules.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[schema(schema_with = display_name_schema)]
    pub display_name: Option<String>,
    #[schema(schema_with = bio_schema)]
    pub bio: Option<String>,
    #[schema(schema_with = location_schema)]
    pub location: Option<String>,
    #[schema(schema_with = website_schema)]
    pub website: Option<String>,
    pub role: Option<RoleName>,
    pub status: Option<StatusName>,
}

// ---- Handlers -------------------------------------------------------------------------------

/// Your profile and settings.
#[utoipa::path(
    get,
    path = "/me",
    tag = "me",
    operation_id = "get_me",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "Your profile and settings", body = Me)),
)]
async fn get_me(State(state): State<AppState>, principal: Principal) -> Result<Json<Me>, Problem> {
    need(&principal, Scope::ProfileRead)?;
    let record = tokens::load_user(&state.pool, principal.user_id).await?;
    Ok(Json(record.into()))
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
async fn patch_me(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<MeUpdate>,
) -> Result<Json<Me>, Problem> {
    need(&principal, Scope::ProfileWrite)?;
    exact_profile_text([
        body.display_name.as_deref(),
        body.bio.as_deref(),
        body.location.as_deref(),
        body.website.as_deref(),
    ])?;
    let now = tokens::load_user(&state.pool, principal.user_id).await?;
    let profile = ProfileForm {
        display_name: body.display_name.unwrap_or(now.display_name),
        bio: body.bio.unwrap_or(now.bio),
        location: body.location.unwrap_or(now.location),
        website: body.website.unwrap_or(now.website),
    }
    .parse();
    let settings = SettingsForm {
        theme: body
            .theme
            .map(|t| t.as_str().to_string())
            .unwrap_or(now.theme),
        time_zone: body.time_zone.unwrap_or(now.time_zone),
    }
    .parse();
    let (profile, settings) = match (profile, settings) {
        (Ok(p), Ok(s)) => (p, s),
        (p, s) => {
            let mut errors = FieldErrors::new();
            for e in [p.err(), s.err()].into_iter().flatten() {
                for f in e.0 {
                    errors.add(&f.field, f.message);
                }
            }
            return Err(AppError::Validation(errors).into());
        }
    };
    crate::profiles::ssr::update_own(
        &state.pool,
        principal.user_id,
        Some(&profile),
        Some(&settings),
    )
    .await?;
    let record = tokens::load_user(&state.pool, principal.user_id).await?;
    Ok(Json(record.into()))
}

/// List users.
///
/// In id order, `limit` at a time; follow `next_cursor` for the next page. Users added while
/// paging appear at the end, and no user is returned twice.
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    operation_id = "list_users",
    params(UserListParams),
    security(("bearer" = ["users:read"])),
    responses((status = 200, description = "One page of users", body = UserList)),
)]
async fn list_users(
    State(state): State<AppState>,
    principal: Principal,
    params: Result<Query<UserListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserList>, Problem> {
    need(&principal, Scope::UsersRead)?;
    let Query(params) = params.map_err(|e| parameter_problem(e.body_text()))?;
    let q = params.q.unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(parameter_problem("q: use at most 100 characters".into()));
    }
    let after = match params.cursor.as_deref() {
        None => 0,
        Some(c) if !c.is_empty() && c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()) => {
            c.parse::<i64>().unwrap_or(0)
        }
        Some(_) => {
            return Err(parameter_problem(
                "cursor: pass the next_cursor of the previous page".into(),
            ))
        }
    };
    let limit = params.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        return Err(parameter_problem(format!(
            "limit: use 1 to {MAX_PAGE_LIMIT}"
        )));
    }
    let query = UserListQuery {
        q: q.trim().chars().filter(|c| !c.is_control()).collect(),
        role: params.role.map(RoleName::role),
        status: params.status.map(StatusName::status),
        ..Default::default()
    };
    let (records, more) = tokens::list_users_after(&state.pool, &query, after, limit).await?;
    let next_cursor = more
        .then(|| records.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(UserList {
        users: records.into_iter().map(User::from).collect(),
        next_cursor,
    }))
}

/// Create a user.
///
/// By the admin console's rules; recorded as `user.created` naming this token. The user has no
/// password until an administrator resets it.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    operation_id = "create_user",
    request_body = NewUserBody,
    security(("bearer" = ["users:write"])),
    responses(
        (status = 201, description = "Created", body = User,
            headers(("Location" = String, description = "The new user's URL"))),
    ),
)]
async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, Problem> {
    need(&principal, Scope::UsersWrite)?;
    let mut errors = FieldErrors::new();
    exact_text(&mut errors, "email", Some(&body.email));
    exact_text(&mut errors, "display_name", Some(&body.display_name));
    let email = errors.check("email", Email::parse(&body.email));
    let display_name = errors.check("display_name", DisplayName::parse(&body.display_name));
    let (Some(email), Some(display_name), true) = (email, display_name, errors.is_empty()) else {
        return Err(AppError::Validation(errors).into());
    };
    let row = NewUserRow {
        email: email.as_str(),
        password_hash: NO_PASSWORD,
        role: body.role.map(RoleName::role).unwrap_or_default(),
        must_change_password: false,
        display_name: display_name.as_str(),
    };
    let id = admin::create_user(&state.pool, Some(principal.user_id), &row, state.now()).await?;
    let user: User = tokens::load_user(&state.pool, id).await?.into();
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("{BASE_PATH}/users/{id}"))],
        Json(user),
    )
        .into_response())
}

fn user_id(id: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> Result<i64, Problem> {
    id.map(|Path(id)| id)
        .map_err(|e| parameter_problem(e.body_text()))
}

/// Get a user.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    operation_id = "get_user",
    params(("id" = i64, Path, description = "The user's id")),
    security(("bearer" = ["users:read"])),
    responses((status = 200, description = "The user", body = User)),
)]
async fn get_user(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<User>, Problem> {
    need(&principal, Scope::UsersRead)?;
    let id = user_id(id)?;
    Ok(Json(tokens::load_user(&state.pool, id).await?.into()))
}

/// Change a user.
///
/// Only the fields sent change, by the admin console's rules: an administrator cannot demote or
/// disable themselves or the last active administrator (409). Disabling ends the user's
/// sessions and makes their tokens invalid. Recorded as `user.updated` naming this token.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    operation_id = "update_user",
    params(("id" = i64, Path, description = "The user's id")),
    request_body = UserUpdate,
    security(("bearer" = ["users:write"])),
    responses((status = 200, description = "Saved; the user now", body = User)),
)]
async fn patch_user(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> Result<Json<User>, Problem> {
    need(&principal, Scope::UsersWrite)?;
    let id = user_id(id)?;
    exact_profile_text([
        body.display_name.as_deref(),
        body.bio.as_deref(),
        body.location.as_deref(),
        body.website.as_deref(),
    ])?;
    let now = tokens::load_user(&state.pool, id).await?;
    let edit = UserEditForm {
        id,
        display_name: body.display_name.unwrap_or(now.display_name),
        bio: body.bio.unwrap_or(now.bio),
        location: body.location.unwrap_or(now.location),
        website: body.website.unwrap_or(now.website),
        role: body
            .role
            .map(|r| r.role().as_str().to_string())
            .unwrap_or(now.role),
        status: body
            .status
            .map(|s| s.status().as_str().to_string())
            .unwrap_or(now.status),
    }
    .parse()
    .map_err(AppError::Validation)?;
    admin::update_user(&state.pool, principal.user_id, id, &edit).await?;
    Ok(Json(tokens::load_user(&state.pool, id).await?.into()))
}

/// Delete a user.
///
/// Their sessions, tokens, profile and account go for good; recorded as `user.deleted` naming
/// this token. Not one's own account, nor the last active administrator (409).
#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "users",
    operation_id = "delete_user",
    params(("id" = i64, Path, description = "The user's id")),
    security(("bearer" = ["users:write"])),
    responses((status = 204, description = "Deleted")),
)]
async fn delete_user(
    State(state): State<AppState>,
    principal: Principal,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, Problem> {
    need(&principal, Scope::UsersWrite)?;
    let id = user_id(id)?;
    admin::delete_user(&state.pool, principal.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Router and document --------------------------------------------------------------------

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        version = "1",
        description = "Read and manage Roster's profiles with a personal access token \
            (`Authorization: Bearer roster_pat_...`, made on /settings/tokens). Errors are \
            `application/problem+json` (RFC 9457); see /api/docs for every problem type."
    ),
    servers((url = "/api/v1")),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "me", description = "The token owner's own profile and settings"),
        (name = "users", description = "Every user (administrators' tokens)"),
    ),
    modifiers(&CommonResponses),
)]
struct ApiDoc;

/// Adds the bearer scheme, the problem responses every operation can give, and the ones that
/// depend on its parameters and body.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut OpenApiDoc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("roster_pat_...")
                    .description(Some("A personal access token from /settings/tokens"))
                    .build(),
            ),
        );
        for (name, description) in COMMON_RESPONSES {
            let mut response = ResponseBuilder::new().description(description).content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            );
            if name == "TooManyRequests" {
                response = response.header(
                    "Retry-After",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::Type::Integer),
                        ))
                        .description(Some("Seconds to wait"))
                        .build(),
                );
            }
            components
                .responses
                .insert(name.into(), response.build().into());
        }
    }
}

/// Named problem responses: `(component name, description)`.
const COMMON_RESPONSES: [(&str, &str); 9] = [
    ("BadRequest", "Invalid parameters or body (`validation-error`, `malformed-json`, `unknown-field`, `invalid-body`, `invalid-parameter`, `token-in-query`)"),
    ("Unauthorized", "No token, or a malformed, unknown, revoked or expired one (`authentication-required`, `invalid-token`)"),
    ("Forbidden", "The token lacks the operation's scope (`insufficient-scope`)"),
    ("NotFound", "No such user (`not-found`)"),
    ("Conflict", "The change clashes with existing data (`conflict`)"),
    ("PayloadTooLarge", "The body is over 64 KiB (`payload-too-large`)"),
    ("UnsupportedMediaType", "The body is not `application/json` (`unsupported-media-type`)"),
    ("TooManyRequests", "The token's rate limit is reached (`rate-limited`)"),
    ("InternalError", "A failure on the server (`internal-error`)"),
];

/// Puts the named problem responses on each operation: every operation can be refused for
/// its token (401, 403, 429), fail (500) or get bad parameters (400); those with an `{id}`
/// can find nothing (404); those with a body can get the wrong one (413, 415); writes to users
/// can conflict (409).
fn add_problem_responses(doc: &mut OpenApiDoc) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, writes) in operations {
            let Some(op) = operation.as_mut() else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                op.responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| Ref::from_response_name(name).into());
            };
            add("400", "BadRequest");
            add("401", "Unauthorized");
            add("403", "Forbidden");
            add("429", "TooManyRequests");
            add("500", "InternalError");
            if path.contains("{id}") {
                add("404", "NotFound");
            }
            if writes && path.starts_with("/users") {
                add("409", "Conflict");
            }
            if op.request_body.is_some() {
                add("413", "PayloadTooLarge");
                add("415", "UnsupportedMediaType");
            }
        }
    }
}

/// The API's router (paths relative to [`BASE_PATH`]) and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, OpenApiDoc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_me, patch_me))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, patch_user, delete_user))
        .split_for_parts();
    add_problem_responses(&mut doc);
    let router = router
        .fallback(|| async { Problem::new(ProblemType::NotFound, "There is no such API route.") })
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(super::problem::api_call));
    (router, doc)
}

/// The OpenAPI document, made once.
pub fn openapi() -> &'static OpenApiDoc {
    static DOC: std::sync::OnceLock<OpenApiDoc> = std::sync::OnceLock::new();
    DOC.get_or_init(|| router().1)
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    match openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => Problem::from(crate::error::internal(e)).into_response(),
    }
}

/// A field's type as the reference page shows it: `string`, `string | null`, the allowed
/// values when there are a few, or "one of N values" for a long list (the time zones).
fn type_summary(
    schema: &serde_json::Value,
    resolve: &dyn Fn(&serde_json::Value) -> serde_json::Value,
) -> String {
    use serde_json::Value;
    let word = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| "null".into())
    };
    if let Some(values) = schema["enum"].as_array() {
        return if values.len() > 8 {
            format!("one of {} values (see the OpenAPI document)", values.len())
        } else {
            values.iter().map(word).collect::<Vec<_>>().join(" | ")
        };
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .map(|o| type_summary(&resolve(o), resolve))
            .collect::<Vec<_>>()
            .join(" | ");
    }
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().map(word).collect::<Vec<_>>().join(" | "),
        _ => "see the OpenAPI document".to_string(),
    }
}

/// The reference page's content, read from the OpenAPI document: each operation with its
/// scope, parameters, body fields and responses, and each problem type.
pub fn reference() -> super::ApiReference {
    use serde_json::Value;
    let doc = serde_json::to_value(openapi()).unwrap_or_default();
    // Descriptions use Markdown code spans; the page shows plain text.
    let text = |v: &Value| v.as_str().unwrap_or_default().replace('`', "");
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or_default(),
            None => v.clone(),
        }
    };
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let scope = op["security"][0]["bearer"][0].as_str().map(str::to_string);
                let parameters = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                (
                                    text(&p["name"]),
                                    text(&p["in"]),
                                    p["required"].as_bool().unwrap_or(false),
                                    text(&p["description"]),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let body = resolve(&op["requestBody"]["content"]["application/json"]["schema"]);
                let required: Vec<&str> = body["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let body_fields = body["properties"]
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(name, schema)| {
                                let schema = resolve(schema);
                                let kind = type_summary(&schema, &resolve);
                                (name.clone(), kind, required.contains(&name.as_str()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op["responses"]
                    .as_object()
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| (status.clone(), text(&resolve(r)["description"])))
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(super::ApiOperation {
                    method: method.to_uppercase(),
                    path: format!("{BASE_PATH}{path}"),
                    summary: text(&op["summary"]),
                    description: text(&op["description"]),
                    scope,
                    parameters,
                    body_fields,
                    responses,
                });
            }
        }
    }
    let problems = ProblemType::ALL
        .iter()
        .map(|kind| {
            let (slug, status, title, when) = kind.describe();
            (
                slug.to_string(),
                status.as_u16(),
                title.to_string(),
                when.to_string(),
            )
        })
        .collect();
    super::ApiReference {
        operations,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_the_query_are_spotted() {
        assert!(token_in_query(Some("access_token=abc")));
        assert!(token_in_query(Some("q=roster_pat_abc")));
        assert!(token_in_query(Some("q=x&token=1")));
        assert!(!token_in_query(Some("q=ann&limit=5")));
        assert!(!token_in_query(None));
    }

    #[test]
    fn the_reference_names_field_types_briefly() {
        let reference = reference();
        let patch_me = reference
            .operations
            .iter()
            .find(|op| op.method == "PATCH" && op.path == "/api/v1/me")
            .unwrap();
        let kind = |name: &str| {
            patch_me
                .body_fields
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, kind, _)| kind.clone())
                .unwrap()
        };
        assert_eq!(kind("theme"), "system | light | dark | null");
        assert!(
            kind("time_zone").starts_with("one of "),
            "{}",
            kind("time_zone")
        );
        assert_eq!(kind("bio"), "string | null");
        assert!(!patch_me.description.contains('`'));
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_768_478_400), "2026-01-15T12:00:00Z");
    }

    #[test]
    fn every_operation_has_its_problem_responses() {
        let doc = openapi();
        let me = doc.paths.paths["/me"].patch.as_ref().unwrap();
        for status in ["200", "400", "401", "403", "413", "415", "429", "500"] {
            assert!(me.responses.responses.contains_key(status), "{status}");
        }
        let delete = doc.paths.paths["/users/{id}"].delete.as_ref().unwrap();
        for status in ["204", "404", "409"] {
            assert!(delete.responses.responses.contains_key(status), "{status}");
        }
    }
}
