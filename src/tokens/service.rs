//! The tokens service: make, list and revoke `me`'s personal access tokens. Each change and
//! its audit event are one transaction; the token's text is returned once and kept nowhere.

use super::{NewToken, NewTokenForm, TokenView, MAX_TOKENS_PER_USER};
use crate::domain::Refusal;
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::{tokens, Me},
    domain::{time::TimeFormat, Letter, Role, Scope},
    error::{AppError, FieldErrors, OrInternal},
    request::RequestContext,
    server::{db::begin_write, AppState},
    store::{outbox, users},
};

/// Makes a token for `me` and records `token.created` (name, scopes, expiry; never the
/// token). Returns the token's id and its text, which is not kept anywhere.
///
/// Errors: `Validation` at `scopes` when a person who is not an administrator asks for an
/// administrators' scope; `Conflict` at `name` when they already hold
/// [`MAX_TOKENS_PER_USER`]; `NotFound` when the user is gone; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn create(
    state: &AppState,
    me: &Me,
    token: &NewToken,
    ctx: &RequestContext,
    now: i64,
) -> Result<(i64, String), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    // One token made at a time per person, so the cap below holds under concurrency.
    users::lock(&mut tx, Some(me.user_id()), false).await?;
    let owner = users::viewer(&mut tx, me.user_id())
        .await?
        .ok_or(AppError::NotFound)?;
    if owner.role != Role::Admin && token.scopes.iter().any(|s| s.admin_only()) {
        let mut errors = FieldErrors::new();
        errors.refuse("scopes", Refusal::AdminScopesOnly);
        return Err(AppError::Validation(errors));
    }
    if tokens::count(&mut tx, me.user_id()).await? >= MAX_TOKENS_PER_USER {
        return Err(AppError::conflict(
            "name",
            Refusal::TooManyTokens {
                max: MAX_TOKENS_PER_USER as usize,
            },
        ));
    }
    let text = tokens::generate();
    let expires_at = token
        .expires_in_days
        .map(|days| now + i64::from(days) * 86_400);
    let id = tokens::insert(
        &mut tx,
        me.user_id(),
        &token.name,
        &text,
        &token.scopes,
        expires_at,
        now,
    )
    .await?;
    let event = AuditEvent::new(
        AuditAction::TokenCreated,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("token_id", id)
    .with("name", token.name.as_str())
    .with("scopes", Scope::list(&token.scopes))
    .with("expires_at", expires_at);
    record(&mut tx, &event, now).await?;
    // A security notice to the owner (`shared/SECURITY.md`; the security notices).
    if let Some(account) = users::record(&mut tx, me.user_id()).await? {
        let locale = crate::i18n::mail_locale(account.language.as_deref(), true);
        let notice =
            Letter::token_created(locale, &account.email, &account.display_name, &token.name);
        outbox::enqueue(&mut tx, &notice, Some(me.user_id()), now).await?;
    }
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    Ok((id, text))
}

/// `roster token create`: a token for the user with `email`, after the same checks as the
/// form (`scopes` by name, `expires` one of the form's choices). Returns the token's text.
///
/// Errors (as a message for the terminal): no such user, a refused field, a database failure.
pub async fn create_from_cli(
    state: &AppState,
    email: &str,
    name: &str,
    scopes: &[String],
    expires: &str,
    now: i64,
) -> Result<String, String> {
    let token = NewTokenForm::from_scope_names(name, scopes, expires)?
        .parse()
        .map_err(|e| e.to_string())?;
    let me = crate::auth::caller::operator_as(state, email).await?;
    create(state, &me, &token, &RequestContext::cli(), now)
        .await
        .map(|(_, text)| text)
        .map_err(|e| match e {
            AppError::Validation(errors) => errors.to_string(),
            other => other.to_string(),
        })
}

/// `me`'s tokens, newest first, times as `time` reads them.
///
/// Errors: `Internal` on database failures.
pub async fn list(
    state: &AppState,
    me: &Me,
    time: &TimeFormat,
    now: i64,
) -> Result<Vec<TokenView>, AppError> {
    Ok(tokens::list(state.pool(), me.user_id())
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
            created: time.format(t.created_at),
            expires: t.expires_at.map(|at| time.format(at)),
            expired: t.expires_at.is_some_and(|at| at <= now),
            last_used: t.last_used_at.map(|at| time.format(at)),
        })
        .collect())
}

/// Revokes (deletes) `me`'s token `token_id`; from now on it authenticates nothing. Records
/// `token.revoked`.
///
/// Errors: `NotFound` when `me` has no such token; `Internal` on database failures.
#[tracing::instrument(skip_all, fields(user_id = me.user_id()))]
pub async fn revoke(
    state: &AppState,
    me: &Me,
    token_id: i64,
    ctx: &RequestContext,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    let name = tokens::delete(&mut tx, me.user_id(), token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = AuditEvent::new(
        AuditAction::TokenRevoked,
        Some(me.user_id()),
        Some(me.user_id()),
        ctx,
    )
    .with("token_id", token_id)
    .with("name", name);
    record(&mut tx, &event, now).await?;
    tx.commit().await.or_internal()
}
