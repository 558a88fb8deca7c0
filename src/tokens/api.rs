//! Server functions of `/settings/tokens`. Token management needs a signed-in session: a
//! bearer token can neither make nor list tokens (`shared/SECURITY.md`, API tokens).

use leptos::prelude::*;

use super::TokensPage;
use crate::error::AppError;

/// The caller's tokens, and the token just made (once).
///
/// Errors: `Unauthorized` when signed out.
#[server(prefix = "/fn", endpoint = "tokens")]
pub async fn get_tokens() -> Result<TokensPage, AppError> {
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    let tz = r.caller.time_format(&r.ctx.client);
    let tokens = super::service::list(&r.state, &me, &tz, r.state.now()).await?;
    let new_token = TypedSession::from_request()
        .await?
        .take_secret::<String>(r.state.secrets(), Stash::NewToken, r.state.now(), |_| true)
        .await;
    Ok(TokensPage {
        tokens,
        new_token,
        is_admin: r.caller.viewer().is_some_and(|v| v.is_admin()),
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
    use crate::auth::session::{Stash, TypedSession};
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
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
    let (_, text) = super::service::create(&r.state, &me, &token, &r.ctx, r.state.now()).await?;
    TypedSession::from_request()
        .await?
        .stash_secret(r.state.secrets(), Stash::NewToken, &text, r.state.now())
        .await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_TOKENS,
        "created",
    ));
    Ok(())
}

/// Revokes the caller's token `id` at once, then sends them to `/settings/tokens?revoked=1`.
///
/// Errors: `Unauthorized` when signed out; `NotFound` when `id` is not one of their tokens.
#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    let r = crate::auth::caller::this_request()?;
    let me = r.caller.me()?;
    super::service::revoke(&r.state, &me, id, &r.ctx, r.state.now()).await?;
    leptos_axum::redirect(&crate::paths::flagged(
        crate::paths::SETTINGS_TOKENS,
        "revoked",
    ));
    Ok(())
}
