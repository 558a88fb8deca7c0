//! `/users`: every user, for administrators' tokens, by the admin console's rules.

use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    auth::Bearer,
    json::{exact_profile_text, exact_text, parameter_problem, ApiJson},
    problem::Problem,
    schema::{
        bio_schema, display_name_schema, location_schema, required_display_name_schema,
        website_schema,
    },
};
use crate::{
    admin::{self, UserChangeText},
    domain::{time::rfc3339, AccountStatus, DisplayName, Email, Role, Scope},
    error::{AppError, FieldErrors},
    paths,
    profiles::ProfileChangeText,
    server::{password::NO_PASSWORD, AppState},
    store::{
        user_list::ListFilter,
        users::{NewUser, UserRecord},
    },
};

/// Default and largest `limit` of `GET /users`.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
pub const MAX_PAGE_LIMIT: u32 = 200;

/// One user, as administrators' tokens see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub bio: String,
    pub location: String,
    pub website: String,
    pub role: Role,
    pub status: AccountStatus,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `null` before the first sign-in.
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
}

impl From<UserRecord> for User {
    fn from(r: UserRecord) -> Self {
        Self {
            id: r.id,
            role: r.role,
            status: r.status,
            email: r.email,
            display_name: r.display_name,
            bio: r.bio,
            location: r.location,
            website: r.website,
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
    pub role: Option<Role>,
    /// Only users with this status.
    pub status: Option<AccountStatus>,
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
    pub role: Option<Role>,
}

/// A change to a user: only the fields present change, by the admin console's rules.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
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
    /// `user` or `admin`; not for one's own account.
    pub role: Option<Role>,
    /// `active` or `disabled`; disabling ends the user's sessions. Not for one's own account.
    pub status: Option<AccountStatus>,
}

type IdParam = Result<Path<i64>, axum::extract::rejection::PathRejection>;

fn user_id(id: IdParam) -> Result<i64, Problem> {
    id.map(|Path(id)| id)
        .map_err(|e| parameter_problem(e.body_text()))
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
pub async fn list_users(
    State(state): State<AppState>,
    bearer: Bearer,
    params: Result<Query<UserListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserList>, Problem> {
    let admin = bearer.admin(Scope::UsersRead)?;
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
    let filter = ListFilter {
        q: q.trim().chars().filter(|c| !c.is_control()).collect(),
        role: params.role,
        status: params.status,
        verified: None,
        two_factor: None,
    };
    let (records, more) = admin::list::users_after(&state, &admin, &filter, after, limit).await?;
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
pub async fn create_user(
    State(state): State<AppState>,
    bearer: Bearer,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, Problem> {
    let admin = bearer.admin(Scope::UsersWrite)?;
    let mut errors = FieldErrors::new();
    exact_text(&mut errors, "email", Some(&body.email));
    exact_text(&mut errors, "display_name", Some(&body.display_name));
    let email = errors.check("email", Email::parse(&body.email));
    let display_name = errors.check("display_name", DisplayName::parse(&body.display_name));
    let (Some(email), Some(display_name), true) = (email, display_name, errors.is_empty()) else {
        return Err(AppError::Validation(errors).into());
    };
    let row = NewUser {
        email: email.as_str(),
        password_hash: NO_PASSWORD,
        role: body.role.unwrap_or_default(),
        must_change_password: false,
        display_name: display_name.as_str(),
    };
    let id = admin::users::create(&state, &admin, &row, &bearer.ctx, state.now()).await?;
    let user: User = admin::users::get(&state, &admin, id).await?.into();
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("{}/users/{id}", paths::API_V1))],
        Json(user),
    )
        .into_response())
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
pub async fn get_user(
    State(state): State<AppState>,
    bearer: Bearer,
    id: IdParam,
) -> Result<Json<User>, Problem> {
    let admin = bearer.admin(Scope::UsersRead)?;
    let id = user_id(id)?;
    Ok(Json(admin::users::get(&state, &admin, id).await?.into()))
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
pub async fn patch_user(
    State(state): State<AppState>,
    bearer: Bearer,
    id: IdParam,
    ApiJson(body): ApiJson<UserUpdate>,
) -> Result<Json<User>, Problem> {
    let admin = bearer.admin(Scope::UsersWrite)?;
    let id = user_id(id)?;
    exact_profile_text([
        body.display_name.as_deref(),
        body.bio.as_deref(),
        body.location.as_deref(),
        body.website.as_deref(),
    ])?;
    // A missing user is a 404 before any field is judged.
    admin::users::get(&state, &admin, id).await?;
    let change = UserChangeText {
        profile: ProfileChangeText {
            display_name: body.display_name.as_deref(),
            bio: body.bio.as_deref(),
            location: body.location.as_deref(),
            website: body.website.as_deref(),
            ..Default::default()
        },
        role: body.role.map(Role::as_str),
        status: body.status.map(AccountStatus::as_str),
    }
    .parse()
    .map_err(AppError::Validation)?;
    admin::users::update(&state, &admin, id, &change, &bearer.ctx, state.now()).await?;
    Ok(Json(admin::users::get(&state, &admin, id).await?.into()))
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
pub async fn delete_user(
    State(state): State<AppState>,
    bearer: Bearer,
    id: IdParam,
) -> Result<StatusCode, Problem> {
    let admin = bearer.admin(Scope::UsersWrite)?;
    let id = user_id(id)?;
    admin::users::delete(&state, &admin, id, &bearer.ctx, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
