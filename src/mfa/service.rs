//! The second-factor services: set up and turn on an authenticator app, turn it off, make new
//! recovery codes, remove a passkey (adding one is `mfa::passkeys`), and an administrator's
//! reset. Each change is audited and told to the person by mail (`shared/SECURITY.md`, Login).

use super::{PasskeyView, SecurityPage, TotpSetup};
use crate::domain::{FactorNotice, Refusal};
use crate::{
    audit::{
        ssr::{record, AuditEvent},
        AuditAction,
    },
    auth::{
        factors as rules,
        second_factor::{self, queue_notice},
        service::{check_own_password, WRONG_PASSWORD},
        session::{Stash, TypedSession},
        sessions, Admin, Me,
    },
    domain::time::TimeFormat,
    error::{AppError, OrInternal},
    request::RequestContext,
    server::{
        db::{begin_write, Tx},
        AppState,
    },
    store::{data_keys, factors, users},
};

/// The message when a code is given to remove the last second factor.
pub const LAST_FACTOR_NEEDS_PASSWORD: Refusal = Refusal::LastFactorNeedsPassword;
/// The message for a confirmation that is neither the password nor a current code.
pub const WRONG_CONFIRMATION: Refusal = Refusal::WrongConfirmation;

/// `/settings/security` for `me`: the factors, an app being set up (its seed opened to show),
/// and recovery codes made in this browser a moment ago (taken: shown once).
///
/// Errors: `Internal` when a query fails or a stored seed does not open.
pub async fn page(
    state: &AppState,
    me: &Me,
    session: &TypedSession,
    time: &TimeFormat,
    now: i64,
) -> Result<SecurityPage, AppError> {
    let user_id = me.user_id();
    let have = factors::summary(state.pool(), user_id).await?;
    let setup = match factors::totp(state.pool(), user_id).await? {
        Some(row) if row.enabled_at.is_none() => {
            let seed = second_factor::open_seed(state, user_id, &row.secret)?;
            let account = users::record(state.pool(), user_id)
                .await?
                .map(|u| u.email)
                .unwrap_or_default();
            Some(TotpSetup {
                secret: rules::secret_text(&seed),
                qr_svg: rules::qr_svg(&rules::otpauth_uri(&seed, &account)),
            })
        }
        _ => None,
    };
    let passkeys = factors::passkeys(state.pool(), user_id)
        .await?
        .into_iter()
        .map(|p| PasskeyView {
            id: p.id,
            name: p.name,
            created: time.format(p.created_at),
            last_used: p.last_used_at.map(|at| time.format(at)),
        })
        .collect();
    let new_codes = session
        .take_secret::<Vec<String>>(state.secrets(), Stash::RecoveryCodes, now, |_| true)
        .await;
    Ok(SecurityPage {
        totp: have.totp,
        setup,
        recovery_codes_left: have.recovery_codes_left,
        new_codes,
        passkeys,
        passkeys_available: state.webauthn().is_some(),
    })
}

/// "Set up authenticator app": a new random seed, sealed, waiting for its first code (a seed
/// that waited before is replaced).
///
/// Errors: `Conflict` when an app is on already; `Internal` on failures.
pub async fn start_totp(state: &AppState, me: &Me, now: i64) -> Result<(), AppError> {
    let user_id = me.user_id();
    let place = data_keys::context("totp_factors", "secret", user_id);
    let sealed = state.keyring()?.seal(&place, &rules::new_secret());
    if !factors::begin_totp(state.pool(), user_id, &sealed, now).await? {
        return Err(AppError::conflict("code", Refusal::TotpOnAlready));
    }
    Ok(())
}

/// "Turn on": `code` from the app being set up turns it on. The first factor of an account
/// comes with ten recovery codes, kept in `session` to be shown once.
///
/// Errors: `Validation` at `code` for a wrong code or when no app is being set up;
/// `RateLimited` after repeated wrong codes; `Internal` on failures.
pub async fn enable_totp(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    session: &TypedSession,
    code: &str,
    now: i64,
) -> Result<(), AppError> {
    let user_id = me.user_id();
    let Some(row) = factors::totp(state.pool(), user_id)
        .await?
        .filter(|r| r.enabled_at.is_none())
    else {
        return Err(AppError::refused("code", Refusal::SetUpTotpFirst));
    };
    let key = throttle_key(state, user_id).await?;
    if let Err(retry_after) = state
        .throttle()
        .login_attempt(&key, ctx.client.ip, now)
        .await
    {
        return Err(AppError::RateLimited { retry_after });
    }
    let seed = second_factor::open_seed(state, user_id, &row.secret)?;
    let step = rules::normalise_code(code).and_then(|c| rules::matching_step(&seed, &c, now));
    let Some(step) = step else {
        return Err(AppError::refused("code", Refusal::WrongSetupCode));
    };
    state.throttle().login_succeeded(&key, ctx.client.ip).await;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    if !factors::enable_totp(&mut tx, user_id, step, now).await? {
        return Err(AppError::refused("code", Refusal::SetUpTotpFirst));
    }
    let codes = codes_for_first_factor(&mut tx, user_id, now).await?;
    let event = AuditEvent::new(
        AuditAction::SecondFactorAdded,
        Some(user_id),
        Some(user_id),
        ctx,
    )
    .with("method", "totp");
    let change = Change {
        event,
        notice: FactorNotice::TotpOn,
        codes,
    };
    commit(state, Some(session), tx, user_id, change, now).await
}

/// Ten new recovery codes for `user_id` in `tx` when the account has none unused (its first
/// factor); `None` when it has some.
///
/// Errors: `Internal` when a query fails.
pub async fn codes_for_first_factor(
    tx: &mut Tx,
    user_id: i64,
    now: i64,
) -> Result<Option<Vec<String>>, AppError> {
    if factors::summary(&mut *tx, user_id)
        .await?
        .recovery_codes_left
        > 0
    {
        return Ok(None);
    }
    Ok(Some(new_codes(tx, user_id, now).await?))
}

async fn new_codes(tx: &mut Tx, user_id: i64, now: i64) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = (0..rules::RECOVERY_CODES)
        .map(|_| rules::new_recovery_code())
        .collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .filter_map(|c| rules::normalise_recovery_code(c))
        .map(|c| rules::recovery_hash(user_id, &c))
        .collect();
    factors::replace_recovery_codes(tx, user_id, &hashes, now).await?;
    Ok(codes)
}

/// "Regenerate recovery codes": the old ones stop working; ten new ones are kept in `session`
/// to be shown once. `confirmation` is the current password or a current code.
///
/// Errors: `Conflict` without a second factor; `Validation` at the confirmation's field;
/// `RateLimited`.
pub async fn regenerate_codes(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    session: &TypedSession,
    confirmation: Confirmation<'_>,
    now: i64,
) -> Result<(), AppError> {
    let user_id = me.user_id();
    let have = factors::summary(state.pool(), user_id).await?;
    if !have.any() {
        return Err(AppError::conflict(
            confirmation.field,
            Refusal::NoSecondFactor,
        ));
    }
    confirm(state, ctx, me, confirmation, true, now).await?;
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    let codes = new_codes(&mut tx, user_id, now).await?;
    let event = AuditEvent::new(
        AuditAction::RecoveryCodesRegenerated,
        Some(user_id),
        Some(user_id),
        ctx,
    );
    let change = Change {
        event,
        notice: FactorNotice::RecoveryCodesRenewed,
        codes: Some(codes),
    };
    commit(state, Some(session), tx, user_id, change, now).await
}

/// What [`remove`] removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// The authenticator app ("Turn off").
    Totp,
    /// Passkey `id` ("Remove").
    Passkey(i64),
}

/// Turns off the authenticator app or removes a passkey, after `confirmation` (the current
/// password; a current code too while another factor remains). With the last factor go the
/// recovery codes.
///
/// Errors: `Validation` at the confirmation's field ([`LAST_FACTOR_NEEDS_PASSWORD`],
/// [`WRONG_CONFIRMATION`]);
/// `NotFound` for a factor the person does not have; `RateLimited`.
pub async fn remove(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    factor: Factor,
    confirmation: Confirmation<'_>,
    now: i64,
) -> Result<(), AppError> {
    let user_id = me.user_id();
    let have = factors::summary(state.pool(), user_id).await?;
    let remaining = match factor {
        Factor::Totp => {
            if !have.totp && !have.totp_pending {
                return Err(AppError::NotFound);
            }
            have.passkeys > 0
        }
        Factor::Passkey(_) => have.totp || have.passkeys > 1,
    };
    // Giving up an app that was never turned on needs no confirmation.
    if factor != Factor::Totp || have.totp {
        confirm(state, ctx, me, confirmation, remaining, now).await?;
    }
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    let (method, removed) = match factor {
        Factor::Totp => {
            factors::remove_totp(&mut tx, user_id).await?;
            if !have.totp {
                tx.commit().await.or_internal()?;
                return Ok(());
            }
            ("totp".to_string(), None)
        }
        Factor::Passkey(id) => {
            let name = factors::remove_passkey(&mut tx, user_id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            ("passkey".to_string(), Some(name))
        }
    };
    let left = factors::summary(&mut tx, user_id).await?;
    if !left.any() {
        factors::remove_recovery_codes(&mut tx, user_id).await?;
    }
    let event = AuditEvent::new(
        AuditAction::SecondFactorRemoved,
        Some(user_id),
        Some(user_id),
        ctx,
    )
    .with("method", method);
    let alone = !left.any();
    let notice = match removed {
        None => FactorNotice::TotpOff { alone },
        Some(name) => FactorNotice::PasskeyRemoved { name, alone },
    };
    let change = Change {
        event,
        notice,
        codes: None,
    };
    commit(state, None, tx, user_id, change, now).await
}

/// What a person typed to confirm a change ("Current password or authentication code"), and
/// the form field it came from (where a refusal is shown).
#[derive(Debug, Clone, Copy)]
pub struct Confirmation<'a> {
    pub text: &'a str,
    pub field: &'static str,
}

/// Proves the person at the keyboard is the account's owner: the confirmation is the current
/// password, or (when `code_allowed`) a current authentication code, accepted once like at
/// sign-in.
///
/// Errors: `Validation` at the confirmation's field; `RateLimited` after repeated failures.
async fn confirm(
    state: &AppState,
    ctx: &RequestContext,
    me: &Me,
    confirmation: Confirmation<'_>,
    code_allowed: bool,
    now: i64,
) -> Result<(), AppError> {
    let Confirmation { text, field } = confirmation;
    if let Some(code) = rules::normalise_code(text) {
        if !code_allowed {
            return Err(AppError::refused(field, LAST_FACTOR_NEEDS_PASSWORD));
        }
        let user_id = me.user_id();
        let key = throttle_key(state, user_id).await?;
        if let Err(retry_after) = state
            .throttle()
            .login_attempt(&key, ctx.client.ip, now)
            .await
        {
            return Err(AppError::RateLimited { retry_after });
        }
        if second_factor::check_code(state, user_id, &code, now).await? {
            state.throttle().login_succeeded(&key, ctx.client.ip).await;
            return Ok(());
        }
        return Err(AppError::refused(field, WRONG_CONFIRMATION));
    }
    match check_own_password(state, ctx, me, text, field, now).await {
        Err(AppError::Validation(errors))
            if errors.find(field).and_then(|e| e.refusal) == Some(WRONG_PASSWORD) =>
        {
            Err(AppError::refused(field, WRONG_CONFIRMATION))
        }
        other => other.map(|_| ()),
    }
}

/// "Reset two-factor" on an administrator's user page: every factor and recovery code of
/// `user_id` goes, their sessions end, the person is told by mail. For someone who lost both
/// their device and their codes.
///
/// Errors: `NotFound` for an unknown user; `Internal` on failures.
pub async fn admin_reset(
    state: &AppState,
    ctx: &RequestContext,
    admin: &Admin,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = begin_write(state.pool()).await?;
    users::lock(&mut tx, Some(user_id), false).await?;
    if users::record(&mut tx, user_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let had = factors::remove_all(&mut tx, user_id).await?;
    let ended = sessions::end(&mut tx, user_id, sessions::Ending::All).await?;
    let event = AuditEvent::new(
        AuditAction::SecondFactorReset,
        admin.actor(),
        Some(user_id),
        ctx,
    )
    .with("had_factors", had)
    .with("sessions_ended", ended);
    let change = Change {
        event,
        notice: FactorNotice::ResetByAdministrator,
        codes: None,
    };
    commit(state, None, tx, user_id, change, now).await
}

/// A change to someone's second factors, as it is recorded and told.
pub struct Change {
    /// The audit event.
    pub event: AuditEvent,
    /// What the notice mailed to the person tells.
    pub notice: FactorNotice,
    /// Recovery codes made with the change, to be shown once in the browser that made it.
    pub codes: Option<Vec<String>>,
}

/// Ends a change to `user_id`'s factors made in `tx`: its audit event and mailed notice join
/// the transaction, which commits; the mailer is rung; new recovery codes wait in `session`
/// to be shown once.
///
/// Errors: `Internal` when a write, the commit or the session store fails.
pub async fn commit(
    state: &AppState,
    session: Option<&TypedSession>,
    mut tx: Tx,
    user_id: i64,
    change: Change,
    now: i64,
) -> Result<(), AppError> {
    record(&mut tx, &change.event, now).await?;
    // An administrator's reset is not the person's own request: their setting, else English.
    let own = change.notice != FactorNotice::ResetByAdministrator;
    queue_notice(&mut tx, user_id, &change.notice, own, now).await?;
    tx.commit().await.or_internal()?;
    state.mailer().ring();
    if let (Some(codes), Some(session)) = (change.codes, session) {
        session
            .stash_secret(state.secrets(), Stash::RecoveryCodes, &codes, now)
            .await?;
    }
    Ok(())
}

/// The throttle key of `user_id`'s second-factor attempts (shared with sign-in's).
async fn throttle_key(state: &AppState, user_id: i64) -> Result<String, AppError> {
    let email = users::record(state.pool(), user_id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    Ok(second_factor::throttle_key(&email))
}
