//! Server functions of `/settings/tokens` and the API reference page. Token management needs a
//! signed-in session: a bearer token can neither make nor list tokens (`shared/SECURITY.md`,
//! API tokens).

use leptos::prelude::*;

use super::{ApiReference, TokensPage};
use crate::error::AppError;

/// Session key of the token just made, kept until the next load of `/settings/tokens` so it
/// is shown once, with or without JavaScript.
#[cfg(feature = "ssr")]
const NEW_TOKEN_KEY: &str = "new_personal_access_token";

/// The caller's tokens, and the token just made (once).
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "tokens")]
pub async fn get_tokens() -> Result<TokensPage, AppError> {
    use crate::auth::ssr;
    let user_id = ssr::require_user_id().await?;
    let state = crate::server::state::app_state()?;
    let viewer = ssr::caller_viewer(&state.pool, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let tokens =
        super::ssr::list_tokens(&state.pool, user_id, &viewer.time_zone, state.now()).await?;
    let session = ssr::session().await?;
    let new_token = session.remove::<String>(NEW_TOKEN_KEY).await.ok().flatten();
    Ok(TokensPage {
        tokens,
        new_token,
        is_admin: viewer.role == crate::domain::Role::Admin,
    })
}

/// Makes a personal access token for the caller from the form (`name`, one field per ticked
/// scope, `expires`), then sends them to `/settings/tokens?created=1`, where it is shown once.
///
/// Errors: `Unauthorized` when signed out; `Validation` per field (an administrators' scope
/// asked for by someone who is not one, too); `Conflict` at `name` at 50 tokens.
#[server(prefix = "/fn", endpoint = "create_token")]
pub async fn create_token(
    name: String,
    profile_read: Option<String>,
    profile_write: Option<String>,
    users_read: Option<String>,
    users_write: Option<String>,
    expires: String,
) -> Result<(), AppError> {
    use crate::auth::ssr;
    let user_id = ssr::require_user_id().await?;
    let state = crate::server::state::app_state()?;
    let token = super::NewTokenForm {
        name,
        profile_read,
        profile_write,
        users_read,
        users_write,
        expires,
    }
    .parse()
    .map_err(AppError::Validation)?;
    let (_, text) = super::ssr::create_token(&state.pool, user_id, &token, state.now()).await?;
    ssr::session()
        .await?
        .insert(NEW_TOKEN_KEY, text)
        .await
        .map_err(crate::error::internal)?;
    leptos_axum::redirect("/settings/tokens?created=1");
    Ok(())
}

/// Revokes the caller's token `id` at once, then sends them to `/settings/tokens?revoked=1`.
///
/// Errors: `Unauthorized` when signed out; `NotFound` when `id` is not one of their tokens.
#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::auth::ssr;
    let user_id = ssr::require_user_id().await?;
    super::ssr::revoke_token(&ssr::pool()?, user_id, id).await?;
    leptos_axum::redirect("/settings/tokens?revoked=1");
    Ok(())
}

/// The API reference: every operation of the OpenAPI document and every problem type. Public.
#[server(prefix = "/fn", endpoint = "api_reference")]
pub async fn get_api_reference() -> Result<ApiReference, AppError> {
    Ok(super::v1::reference())
}
