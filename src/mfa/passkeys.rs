//! "Add a passkey" on `/settings/security`: the two JSON endpoints `public/passkeys.js`
//! calls — [`options`] (the WebAuthn creation options for the signed-in person, its state kept
//! in the browser's session entry for five minutes) and [`finish`] (the attestation, checked
//! and stored). The passkey is made discoverable (a resident key), so it also signs in without
//! a password; user verification is required.

use axum::{
    extract::{Extension, State},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use crate::{
    audit::{ssr::AuditEvent, AuditAction},
    auth::{
        passkeys::{json_error_in, stored, CHALLENGE_SECONDS},
        session::{Stash, TypedSession},
        Caller,
    },
    domain::Refusal,
    error::{AppError, OrInternal},
    paths,
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::{factors, users},
};

/// What [`options`] reads: the new passkey's name.
#[derive(Debug, Default, Deserialize)]
pub struct RegisterRequest {
    #[serde(default)]
    pub name: String,
}

/// A registration under way.
#[derive(Serialize, Deserialize)]
struct Registration {
    state: PasskeyRegistration,
    name: String,
    expires_at: i64,
}

/// The language of `/settings/security`, which the script's messages speak.
fn page_locale(caller: &Caller, ctx: &RequestContext) -> crate::i18n::Locale {
    crate::i18n::request_locale(caller.viewer().and_then(|v| v.language), &ctx.client)
}

/// `POST /settings/security/passkeys/options` `{"name": ...}`: the creation options.
///
/// Errors (JSON): 401 when signed out; 400 for a bad name; 404 when passkeys are unavailable
/// at this site's address; 429 after `Limits::challenges_per_minute` from one client.
pub async fn options(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ctx): Extension<RequestContext>,
    session: Session,
    body: Option<Json<RegisterRequest>>,
) -> Response {
    let locale = page_locale(&caller, &ctx);
    if let Some(retry_after) = state.throttle().challenge(ctx.client.ip) {
        return json_error_in(locale, AppError::RateLimited { retry_after });
    }
    let session = TypedSession::new(session);
    let name = body.map(|Json(b)| b.name).unwrap_or_default();
    match start(&state, &caller, &session, &name, state.now()).await {
        Ok(options) => Json(options).into_response(),
        Err(e) => json_error_in(locale, e),
    }
}

async fn start(
    state: &AppState,
    caller: &Caller,
    session: &TypedSession,
    name: &str,
    now: i64,
) -> Result<serde_json::Value, AppError> {
    let me = caller.me()?;
    let webauthn = state.webauthn().ok_or(AppError::NotFound)?;
    let name = super::parse_passkey_name(name).map_err(|r| AppError::refused("passkey_name", r))?;
    let user_id = me.user_id();
    let mut tx = begin_write(state.pool()).await?;
    let handle = factors::passkey_handle(&mut tx, user_id).await?;
    tx.commit().await.or_internal()?;
    let handle = Uuid::parse_str(&handle).map_err(crate::error::internal)?;
    let user = users::record(state.pool(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let exclude = stored(state, user_id)
        .await?
        .iter()
        .map(|k| k.cred_id().clone())
        .collect();
    let (options, registration) = webauthn
        .start_passkey_registration(handle, &user.email, &user.display_name, Some(exclude))
        .map_err(|e| crate::error::internal(e.to_string()))?;
    let mut options = serde_json::to_value(options).map_err(crate::error::internal)?;
    // A discoverable credential, so the passkey also signs in on its own (webauthn-rs asks
    // for none by default; the checks at registration are the same either way).
    if let Some(selection) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(|v| v.as_object_mut())
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
    }
    let pending = Registration {
        state: registration,
        name,
        expires_at: now + CHALLENGE_SECONDS,
    };
    session.stash(Stash::PasskeyRegistration, &pending).await?;
    Ok(options)
}

/// `POST /settings/security/passkeys`: the browser's attestation. The passkey is stored under
/// the name given; the account's first factor comes with recovery codes (shown once on the
/// page). Answers `{"redirect": "/settings/security?added=passkey"}`.
///
/// Errors (JSON): 401 when signed out; 400 with [`Refusal::PasskeyNotAdded`]; 409 for a passkey
/// registered already.
pub async fn finish(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ctx): Extension<RequestContext>,
    session: Session,
    body: Result<Json<RegisterPublicKeyCredential>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let session = TypedSession::new(session);
    let locale = page_locale(&caller, &ctx);
    let Ok(Json(credential)) = body else {
        return json_error_in(
            locale,
            AppError::refused("passkey", Refusal::PasskeyNotAdded),
        );
    };
    match register(&state, &caller, &ctx, &session, &credential, state.now()).await {
        Ok(()) => Json(serde_json::json!({
            "redirect": paths::flagged(paths::SETTINGS_SECURITY, "added")
        }))
        .into_response(),
        Err(e) => json_error_in(locale, e),
    }
}

async fn register(
    state: &AppState,
    caller: &Caller,
    ctx: &RequestContext,
    session: &TypedSession,
    credential: &RegisterPublicKeyCredential,
    now: i64,
) -> Result<(), AppError> {
    let me = caller.me()?;
    let webauthn = state.webauthn().ok_or(AppError::NotFound)?;
    let pending: Registration = session
        .take(Stash::PasskeyRegistration)
        .await
        .filter(|r: &Registration| r.expires_at > now)
        .ok_or_else(|| AppError::refused("passkey", Refusal::PasskeyNotAdded))?;
    let passkey = webauthn
        .finish_passkey_registration(credential, &pending.state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            AppError::refused("passkey", Refusal::PasskeyNotAdded)
        })?;
    let user_id = me.user_id();
    let json = serde_json::to_string(&passkey).map_err(crate::error::internal)?;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    let added = factors::add_passkey(
        &mut tx,
        user_id,
        passkey.cred_id().as_ref(),
        &pending.name,
        &json,
        now,
    )
    .await?;
    if added.is_none() {
        return Err(AppError::conflict("passkey", Refusal::PasskeyRegistered));
    }
    let codes = super::service::codes_for_first_factor(&mut tx, user_id, now).await?;
    let event = AuditEvent::new(
        AuditAction::SecondFactorAdded,
        Some(user_id),
        Some(user_id),
        ctx,
    )
    .with("method", "passkey")
    .with("name", pending.name.as_str());
    let change = super::service::Change {
        event,
        notice: crate::domain::FactorNotice::PasskeyAdded {
            name: pending.name.clone(),
        },
        codes,
    };
    super::service::commit(state, Some(session), tx, user_id, change, now).await
}
