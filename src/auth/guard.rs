//! The page guard: anonymous visitors of a signed-in page are sent to sign in before anything
//! renders, and a person who must choose a new password is sent to do that first.

use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::caller::Caller;
use crate::{paths, server::middleware::is_page_request};

/// Middleware (inside the session guard) for every page request: an anonymous visitor of a
/// signed-in page is sent to `/login?next=<the page>` (303) before any rendering happens; a
/// person whose password an administrator reset is sent to `/settings/password?required=1`
/// from every other page; an administrator who must set up a second factor first
/// (`ROSTER_REQUIRE_2FA_FOR_ADMINS`) is sent from the console to
/// `/settings/security?required=1`. Server functions and static files pass untouched.
pub async fn page_guard(req: Request, next: Next) -> Response {
    if !is_page_request(&req) {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let viewer = req
        .extensions()
        .get::<Caller>()
        .and_then(|caller| caller.viewer());
    if viewer.is_none() && paths::is_signed_in_page(path) {
        let wanted = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
        return Redirect::to(&paths::login_url(wanted)).into_response();
    }
    // After an administrator's password reset, choosing a new password comes first.
    if viewer.is_some_and(|v| v.must_change_password) && path != paths::SETTINGS_PASSWORD {
        return Redirect::to(paths::REQUIRED_PASSWORD_CHANGE).into_response();
    }
    // ROSTER_REQUIRE_2FA_FOR_ADMINS: the console opens once a second factor is set up.
    if viewer.is_some_and(|v| v.second_factor_required) && paths::is_admin_page(path) {
        return Redirect::to(paths::REQUIRED_SECOND_FACTOR).into_response();
    }
    next.run(req).await
}
