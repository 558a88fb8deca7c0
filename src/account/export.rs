//! A person's own data as one JSON document (GDPR art. 15 and 20; ASVS 4.0.3 V8.3.2), and
//! its download at `/settings/account/export`.

use axum::{
    extract::{Extension, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::{json, Value};

use crate::auth::{sessions, tokens, Caller, Me};
use crate::{
    audit::query as audit,
    error::{AppError, OrInternal},
    paths,
    server::AppState,
    store::{factors, outbox, users},
};

/// Everything stored about `me`: the account (without the password hash), the profile and
/// settings, the sessions, which second factors they have (without any secret), the personal
/// access tokens (without their hashes: a hash is not the
/// person's data and would only help someone guess the token), the audit events about them,
/// and the mails written to them (without their text, which may hold a live link). Times are
/// Unix seconds, UTC.
///
/// Errors: `NotFound` when the user no longer exists; `Internal` when a query fails.
pub async fn document(state: &AppState, me: &Me) -> Result<Value, AppError> {
    let pool = state.pool();
    let user = users::record(pool, me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let sessions = sessions::all_of(pool, me.user_id()).await?;
    let mut tokens = tokens::list(pool, me.user_id()).await?;
    tokens.sort_by_key(|t| t.id);
    let tokens: Vec<Value> = tokens
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id, "name": t.name,
                "scopes": t.scopes.split_whitespace().collect::<Vec<_>>(),
                "created_at": t.created_at, "expires_at": t.expires_at,
                "last_used_at": t.last_used_at,
            })
        })
        .collect();
    let events: Vec<Value> = audit::about(pool, me.user_id())
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "occurred_at": e.occurred_at, "actor_user_id": e.actor_user_id,
                "action": e.action, "target_user_id": e.target_user_id, "ip": e.ip,
                "user_agent": e.user_agent,
                "details": serde_json::from_str::<Value>(&e.details).unwrap_or(Value::Null),
            })
        })
        .collect();
    // What second factors the person has, never their secrets (seed, codes, public keys).
    let factors = factors::summary(pool, me.user_id()).await?;
    let passkeys: Vec<Value> = factors::passkeys(pool, me.user_id())
        .await?
        .into_iter()
        .map(|p| json!({ "name": p.name, "created_at": p.created_at, "last_used_at": p.last_used_at }))
        .collect();
    Ok(json!({
        "format": "roster-export/1",
        "account": {
            "id": user.id, "email": user.email, "created_at": user.created_at,
            "updated_at": user.updated_at, "email_verified_at": user.email_verified_at,
        },
        "profile": {
            "display_name": user.display_name, "bio": user.bio, "location": user.location,
            "website": user.website, "theme": user.theme, "time_zone": user.time_zone,
            "language": user.language, "updated_at": user.profile_updated_at,
        },
        "sessions": sessions,
        "personal_access_tokens": tokens,
        "second_factors": {
            "authenticator_app": factors.totp,
            "recovery_codes_left": factors.recovery_codes_left,
            "passkeys": passkeys,
        },
        "audit_events": events,
        "mails": outbox::of_user(pool, me.user_id()).await?,
    }))
}

/// `GET /settings/account/export`: the caller's data ([`document`]) as a JSON download,
/// `roster-export.json`. Anonymous callers are sent to sign in (the page guard does that before
/// this runs; this checks again).
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let Ok(me) = caller.me() else {
        return Redirect::to(&paths::login_url(paths::SETTINGS_ACCOUNT)).into_response();
    };
    let body = document(&state, &me)
        .await
        .and_then(|data| serde_json::to_string_pretty(&data).or_internal());
    match body {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"roster-export.json\"",
                ),
            ],
            body,
        )
            .into_response(),
        Err(err) => {
            let status =
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, err.to_string()).into_response()
        }
    }
}
