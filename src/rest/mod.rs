//! The JSON API under `/api/v1`: thin adapters (authorize by token scope, parse, call the same
//! services as the forms, answer) split by noun, their one route list, the OpenAPI document
//! (`/api/openapi.json`) and the reference page (`/api/docs`). Every error is
//! `application/problem+json` (RFC 9457).
//!
//! The API takes nothing but `Authorization: Bearer roster_pat_...`; tokens are made and
//! revoked only on `/settings/tokens` by a signed-in person (`shared/SECURITY.md`, API tokens).

// `Problem` (the error body, ~200 bytes) is built at most once per failed call; boxing it
// would cost an allocation on every refusal and buy nothing.
#![allow(clippy::result_large_err)]

#[cfg(feature = "ssr")]
pub mod auth;
pub mod docs;
#[cfg(feature = "ssr")]
pub mod json;
#[cfg(feature = "ssr")]
pub mod me;
#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub mod problem;
#[cfg(feature = "ssr")]
pub mod schema;
#[cfg(feature = "ssr")]
pub mod users;

/// The API's router (paths relative to `paths::API_V1`) and its OpenAPI document. The router
/// is built only from `utoipa_axum::routes!`, so every route is in the document and nothing
/// else is.
#[cfg(feature = "ssr")]
pub fn router() -> (
    axum::Router<crate::server::AppState>,
    utoipa::openapi::OpenApi,
) {
    use utoipa::OpenApi;
    use utoipa_axum::{router::OpenApiRouter, routes};

    use problem::{Problem, ProblemType};

    let (router, mut doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(me::get_me, me::patch_me))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(
            users::get_user,
            users::patch_user,
            users::delete_user
        ))
        .split_for_parts();
    openapi::add_problem_responses(&mut doc);
    let router = router
        .fallback(|| async { Problem::new(ProblemType::NotFound, "There is no such API route.") })
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::server::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn(problem::problems_only));
    (router, doc)
}
