//! Registering relying parties: a random public `client_id`, and for a confidential client a
//! secret of 32 random bytes shown once and stored as SHA-256 only (`shared/SECURITY.md`,
//! Keys and secrets at rest). Used by `roster client create` and the admin console.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use super::{scope_text, NewClient};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::Admin,
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::clients as store,
};

/// The start of every client secret (so secret scanners can find a leaked one).
pub const SECRET_PREFIX: &str = "roster_cs_";

/// A client just registered: its id, and its secret (confidential clients), shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// A new client secret: [`SECRET_PREFIX`] and 32 random bytes as base64url.
pub fn new_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of a client secret: the only form stored (a fast hash suffices for 256 random
/// bits).
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Registers `client` for `admin` in the request `ctx` (`RequestContext::cli()` from the
/// command line); `oidc.client_created` is audited with its redirect URIs and scopes.
///
/// Errors: `Internal` when a write fails.
pub async fn register(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    client: &NewClient,
    now: i64,
) -> Result<Registered, AppError> {
    let client_id = uuid::Uuid::new_v4().simple().to_string();
    let client_secret = (!client.public).then(new_secret);
    let hash = client_secret.as_deref().map(secret_hash);
    let redirect_uris = client.redirect_uris.join("\n");
    let post_logout = client.post_logout_redirect_uris.join("\n");
    let scopes = scope_text(&client.scopes);
    let mut tx = begin_write(state.pool()).await?;
    store::insert(
        &mut tx,
        &store::NewClientRow {
            client_id: &client_id,
            name: &client.name,
            secret_hash: hash.as_deref(),
            redirect_uris: &redirect_uris,
            post_logout_redirect_uris: &post_logout,
            scopes: &scopes,
            id_token_alg: client.id_token_alg.as_str(),
        },
        now,
    )
    .await?;
    let event = AuditEvent::new(AuditAction::ClientCreated, admin.actor(), None, ctx)
        .with("client_id", client_id.as_str())
        .with("name", client.name.as_str())
        .with("redirect_uris", redirect_uris.as_str())
        .with("scopes", scopes.as_str())
        .with("public", client.public)
        .with("id_token_alg", client.id_token_alg.as_str());
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    Ok(Registered {
        client_id,
        client_secret,
    })
}

/// What an administrator does to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientChange {
    /// A new secret (the old one stops at once); returned to be shown once.
    RotateSecret,
    /// Off: every token it holds stops at once (introspection says inactive), nobody signs in.
    Disable,
    /// On again.
    Enable,
    /// Gone, with every grant and token.
    Delete,
}

/// Applies `change` to client row `id` for `admin`, audited (`oidc.client_changed`). Returns
/// the new secret for [`ClientChange::RotateSecret`].
///
/// Errors: `NotFound` for an unknown client (or, rotating, a public one); `Internal`.
pub async fn change(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    id: i64,
    change: ClientChange,
    now: i64,
) -> Result<Option<String>, AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let client = store::by_id(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut secret = None;
    let done = match change {
        ClientChange::RotateSecret => {
            let fresh = new_secret();
            let rotated = store::set_secret(&mut tx, id, &secret_hash(&fresh), now).await?;
            secret = Some(fresh);
            rotated
        }
        ClientChange::Disable => store::set_disabled(&mut tx, id, Some(now), now).await?,
        ClientChange::Enable => store::set_disabled(&mut tx, id, None, now).await?,
        ClientChange::Delete => store::delete(&mut tx, id).await?,
    };
    if !done {
        return Err(AppError::NotFound);
    }
    let what = match change {
        ClientChange::RotateSecret => "secret rotated",
        ClientChange::Disable => "disabled",
        ClientChange::Enable => "enabled",
        ClientChange::Delete => "deleted",
    };
    let event = AuditEvent::new(AuditAction::ClientChanged, admin.actor(), None, ctx)
        .with("client_id", client.client_id.as_str())
        .with("name", client.name.as_str())
        .with("change", what);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()?;
    Ok(secret)
}
