//! Signing in with a passkey (WebAuthn Level 2/3 through `webauthn-rs`): as the second factor
//! of a half-signed-in browser, or on its own from `/login` with a discoverable credential
//! (the browser's passkey autofill, or the "Sign in with a passkey" button). WebAuthn is a
//! browser JavaScript API, so these are two JSON endpoints that `public/passkeys.js` calls:
//! [`options`] (the challenge, its state kept in the browser's session entry for five
//! minutes) and [`finish`] (the assertion, checked against the stored public key and counter).
//! User verification is required throughout, so a passkey alone is two factors.

use axum::{
    extract::{Extension, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PublicKeyCredential,
};

use super::{
    second_factor::{self, SIGN_IN_AGAIN},
    service::{open_session, Opening},
    session::{Stash, TypedSession},
};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    domain::{AccountStatus, Refusal},
    error::AppError,
    i18n::Locale,
    paths,
    request::RequestContext,
    server::{config::EmailVerification, db::begin_write, AppState},
    store::{factors, users},
};

/// How long a challenge waits for the browser's answer, in seconds.
pub const CHALLENGE_SECONDS: i64 = 5 * 60;

/// A passkey sign-in under way, kept in the browser's session entry.
#[derive(Serialize, Deserialize)]
enum Pending {
    /// The second factor of the half-signed-in state.
    SecondFactor {
        state: PasskeyAuthentication,
        expires_at: i64,
    },
    /// A sign-in by passkey alone; `next` is where to go afterwards.
    Passwordless {
        state: DiscoverableAuthentication,
        next: Option<String>,
        expires_at: i64,
    },
}

/// What [`options`] reads: where to go after a passwordless sign-in.
#[derive(Debug, Default, Deserialize)]
pub struct OptionsRequest {
    #[serde(default)]
    pub next: Option<String>,
}

/// A JSON answer for the passkey script: `{"message": ...}` in `locale` (the page's language:
/// [`crate::i18n::request_locale`]), with the error's status.
pub fn json_error_in(locale: Locale, error: AppError) -> Response {
    let refused = match &error {
        AppError::Validation(errors) => errors.0.first().map(|e| match e.refusal {
            Some(refusal) => crate::i18n::refusal(locale, refusal),
            None => e.message.clone(),
        }),
        AppError::Conflict {
            refusal: Some(refusal),
            ..
        } => Some(crate::i18n::refusal(locale, *refusal)),
        _ => None,
    };
    let message = refused.unwrap_or_else(|| crate::components::error_text(locale, &error));
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(serde_json::json!({ "message": message }))).into_response()
}

/// A JSON answer in English (for programs: the OpenID Connect endpoints): `{"message": ...}`
/// with the error's status.
pub fn json_error(error: AppError) -> Response {
    let message = match &error {
        AppError::Validation(errors) => errors
            .0
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| error.to_string()),
        other => other.to_string(),
    };
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(serde_json::json!({ "message": message }))).into_response()
}

/// The passkeys stored for `user_id`, as webauthn-rs reads them (unreadable rows skipped).
///
/// Errors: `Internal` when the query fails.
pub async fn stored(state: &AppState, user_id: i64) -> Result<Vec<Passkey>, AppError> {
    Ok(factors::passkeys(state.pool(), user_id)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_str::<Passkey>(&row.credential).ok())
        .collect())
}

/// `POST /login/passkey/options`: the WebAuthn request options. For a half-signed-in browser
/// they list the account's passkeys; otherwise they ask for any discoverable credential of
/// this site (`mediation: "conditional"`, for the browser's autofill).
///
/// Errors (JSON): 404 when passkeys are unavailable here or the account has none; 429 after
/// `Limits::challenges_per_minute` from one client; 500 when the session store fails.
pub async fn options(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    session: Session,
    body: Option<Json<OptionsRequest>>,
) -> Response {
    // Signed out (or half signed in): the sign-in page spoke the browser's language.
    let locale = crate::i18n::request_locale(None, &ctx.client);
    if let Some(retry_after) = state.throttle().challenge(ctx.client.ip) {
        return json_error_in(locale, AppError::RateLimited { retry_after });
    }
    let session = TypedSession::new(session);
    let next = body.and_then(|Json(b)| b.next);
    match start(&state, &session, next, state.now()).await {
        Ok(options) => Json(options).into_response(),
        Err(e) => json_error_in(locale, e),
    }
}

async fn start(
    state: &AppState,
    session: &TypedSession,
    next: Option<String>,
    now: i64,
) -> Result<serde_json::Value, AppError> {
    let webauthn = state.webauthn().ok_or(AppError::NotFound)?;
    let expires_at = now + CHALLENGE_SECONDS;
    let failed = |e: webauthn_rs::prelude::WebauthnError| crate::error::internal(e.to_string());
    let (options, pending) = match second_factor::pending(session, now).await {
        Some(half) => {
            let keys = stored(state, half.user_id).await?;
            if keys.is_empty() {
                return Err(AppError::NotFound);
            }
            let (options, st) = webauthn
                .start_passkey_authentication(&keys)
                .map_err(failed)?;
            let value = serde_json::to_value(options).map_err(crate::error::internal)?;
            (
                value,
                Pending::SecondFactor {
                    state: st,
                    expires_at,
                },
            )
        }
        None => {
            let (options, st) = webauthn
                .start_discoverable_authentication()
                .map_err(failed)?;
            let value = serde_json::to_value(options).map_err(crate::error::internal)?;
            if session.user_id().await.is_none() {
                session.expire_at(expires_at);
            }
            (
                value,
                Pending::Passwordless {
                    state: st,
                    next: next.filter(|n| paths::safe_next(n).is_some()),
                    expires_at,
                },
            )
        }
    };
    session
        .stash(Stash::PasskeyAuthentication, &pending)
        .await?;
    Ok(options)
}

/// `POST /login/passkey`: the browser's assertion. On success the session opens and the answer
/// is `{"redirect": path}`.
///
/// Errors (JSON): 400 with [`Refusal::PasskeyNotAccepted`] for an assertion that does not check out, with
/// [`SIGN_IN_AGAIN`] when no challenge is open; 403 for a disabled account or an unconfirmed
/// address where confirmation is required.
pub async fn finish(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    session: Session,
    body: Result<Json<PublicKeyCredential>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let session = TypedSession::new(session);
    let locale = crate::i18n::request_locale(None, &ctx.client);
    let Ok(Json(credential)) = body else {
        let refused = AppError::refused("passkey", Refusal::PasskeyNotAccepted);
        return json_error_in(locale, refused);
    };
    match sign_in(&state, &ctx, &session, &credential, state.now()).await {
        Ok(target) => Json(serde_json::json!({ "redirect": target })).into_response(),
        Err(e) => json_error_in(locale, e),
    }
}

async fn sign_in(
    state: &AppState,
    ctx: &RequestContext,
    session: &TypedSession,
    credential: &PublicKeyCredential,
    now: i64,
) -> Result<String, AppError> {
    let webauthn = state.webauthn().ok_or(AppError::NotFound)?;
    let pending: Option<Pending> = session.take(Stash::PasskeyAuthentication).await;
    match pending {
        Some(Pending::SecondFactor {
            state: st,
            expires_at,
        }) if expires_at > now => {
            let half = second_factor::pending(session, now)
                .await
                .ok_or_else(|| AppError::refused("passkey", SIGN_IN_AGAIN))?;
            let Ok(result) = webauthn.finish_passkey_authentication(credential, &st) else {
                let event = AuditEvent::new(
                    AuditAction::SecondFactorFailed,
                    None,
                    Some(half.user_id),
                    ctx,
                )
                .with("method", "passkey");
                record(state.pool(), &event, now).await?;
                return Err(AppError::refused("passkey", Refusal::PasskeyNotAccepted));
            };
            note_use(state, half.user_id, &result, now).await?;
            let signed_in =
                second_factor::complete(state, ctx, session, &half, "passkey", now).await?;
            Ok(target(signed_in.must_change_password, half.next.as_deref()))
        }
        Some(Pending::Passwordless {
            state: st,
            next,
            expires_at,
        }) if expires_at > now => {
            let user_id = passwordless(state, ctx, credential, st, now).await?;
            let mut tx = begin_write(state.pool()).await?;
            users::lock(&mut tx, Some(user_id), false).await?;
            let account = users::credentials(&mut tx, users::Account::Id(user_id))
                .await?
                .ok_or_else(|| AppError::refused("passkey", Refusal::PasskeyNotAccepted))?;
            if account.status != AccountStatus::Active {
                return Err(AppError::AccountDisabled);
            }
            if account.email_verified_at.is_none()
                && state.config().mail.verification == EmailVerification::Required
            {
                return Err(AppError::EmailUnconfirmed);
            }
            open_session(
                state,
                ctx,
                session,
                tx,
                Opening {
                    user_id,
                    email: &account.email,
                    remember: false,
                    second_factor: Some("passkey"),
                },
                now,
            )
            .await?;
            Ok(target(account.must_change_password, next.as_deref()))
        }
        _ => Err(AppError::refused("passkey", SIGN_IN_AGAIN)),
    }
}

/// Checks a passwordless assertion: the user handle names the account, the credential must be
/// one of its passkeys. Returns the account's id.
async fn passwordless(
    state: &AppState,
    ctx: &RequestContext,
    credential: &PublicKeyCredential,
    st: DiscoverableAuthentication,
    now: i64,
) -> Result<i64, AppError> {
    let webauthn = state.webauthn().ok_or(AppError::NotFound)?;
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(credential)
        .map_err(|_| AppError::refused("passkey", Refusal::PasskeyNotAccepted))?;
    let user = factors::user_by_passkey_handle(state.pool(), &handle.to_string()).await?;
    let row = factors::passkey_by_credential(state.pool(), credential_id).await?;
    let (Some(user_id), Some(row)) = (user, row) else {
        return Err(AppError::refused("passkey", Refusal::PasskeyNotAccepted));
    };
    let key = serde_json::from_str::<Passkey>(&row.credential).ok();
    let result = match key {
        Some(key) if row.user_id == user_id => webauthn
            .finish_discoverable_authentication(credential, st, &[DiscoverableKey::from(&key)])
            .ok(),
        _ => None,
    };
    let Some(result) = result else {
        let event = AuditEvent::new(AuditAction::LoginFailed, None, Some(user_id), ctx)
            .with("reason", "passkey not accepted");
        record(state.pool(), &event, now).await?;
        return Err(AppError::refused("passkey", Refusal::PasskeyNotAccepted));
    };
    note_use(state, user_id, &result, now).await?;
    Ok(user_id)
}

/// Records a passkey's use: its last-used time, and its counter when the authenticator keeps
/// one.
async fn note_use(
    state: &AppState,
    user_id: i64,
    result: &webauthn_rs::prelude::AuthenticationResult,
    now: i64,
) -> Result<(), AppError> {
    let Some(row) = factors::passkey_by_credential(state.pool(), result.cred_id().as_ref()).await?
    else {
        return Ok(());
    };
    if row.user_id != user_id {
        return Ok(());
    }
    let mut updated = None;
    if let Ok(mut key) = serde_json::from_str::<Passkey>(&row.credential) {
        if key.update_credential(result) == Some(true) {
            updated = serde_json::to_string(&key).ok();
        }
    }
    factors::passkey_used(state.pool(), row.id, updated.as_deref(), now).await
}

fn target(must_change_password: bool, next: Option<&str>) -> String {
    if must_change_password {
        return paths::REQUIRED_PASSWORD_CHANGE.to_string();
    }
    next.and_then(paths::safe_next)
        .unwrap_or(paths::HOME)
        .to_string()
}
