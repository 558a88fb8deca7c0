//! The browser session (tower-sessions) behind a type that owns every key stored in it
//! (zero-to-production's `TypedSession`): who is signed in, which session record is theirs,
//! and the few values a page shows after a redirect ([`Stash`]).

use serde::{de::DeserializeOwned, Serialize};
use tower_sessions::{cookie::time, Expiry, Session};

use crate::{
    error::{AppError, OrInternal},
    server::secrets::Secrets,
};

/// Key of the signed-in user's id (`users.id`).
const USER_ID_KEY: &str = "user_id";
/// Key of the id of the session's `user_sessions` row.
const RECORD_KEY: &str = "session_record";

/// What else a session holds for a while: a value a page shows after a plain-form redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stash {
    /// A personal access token just made: shown once on `/settings/tokens` (a secret: see
    /// [`TypedSession::stash_secret`]).
    NewToken,
    /// A one-time password an administrator just set: `(user id, password)`, shown once on
    /// that user's page (a secret).
    OneTimePassword,
    /// The administrator's last import: its CSV and report (`admin::ImportState`).
    AdminImport,
    /// A sign-in waiting for its second factor (`auth::second_factor::PendingLogin`): the
    /// half-signed-in state, bound to this browser, five minutes at most.
    PendingLogin,
    /// Recovery codes just made: shown once on `/settings/security` (a secret).
    RecoveryCodes,
    /// A passkey registration under way (webauthn-rs's state and the passkey's name).
    PasskeyRegistration,
    /// A passkey sign-in under way (webauthn-rs's state).
    PasskeyAuthentication,
    /// A client secret just made or rotated: `(client_id, secret)`, shown once on
    /// `/admin/clients` (a secret).
    ClientSecret,
}

impl Stash {
    fn key(self) -> &'static str {
        match self {
            Stash::NewToken => "new_personal_access_token",
            Stash::OneTimePassword => "admin_one_time_password",
            Stash::AdminImport => "admin_import",
            Stash::PendingLogin => "pending_login",
            Stash::RecoveryCodes => "new_recovery_codes",
            Stash::PasskeyRegistration => "passkey_registration",
            Stash::PasskeyAuthentication => "passkey_authentication",
            Stash::ClientSecret => "new_client_secret",
        }
    }
}

/// The caller's browser session.
#[derive(Debug, Clone)]
pub struct TypedSession(Session);

impl TypedSession {
    /// The session of `session` (from the session layer).
    pub fn new(session: Session) -> Self {
        Self(session)
    }

    /// The session of the request a server function is handling.
    ///
    /// Errors: `Internal` when the session layer did not run.
    pub async fn from_request() -> Result<Self, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map(Self)
            .or_internal()
    }

    /// The signed-in user's id, if any. A session store failure counts as signed out (and is
    /// logged): it must never sign anybody in.
    pub async fn user_id(&self) -> Option<i64> {
        match self.0.get::<i64>(USER_ID_KEY).await {
            Ok(id) => id,
            Err(e) => {
                tracing::error!(error = %e, "session store read failed");
                None
            }
        }
    }

    /// The id of the session's record, when someone is signed in.
    pub async fn record_id(&self) -> Option<i64> {
        self.0.get::<i64>(RECORD_KEY).await.ok().flatten()
    }

    /// The session store's id of this session (once the browser holds one).
    pub fn store_id(&self) -> Option<String> {
        self.0.id().map(|id| id.to_string())
    }

    /// Makes this the signed-in session of `user_id` with record `record`, ending at
    /// `expires_at` (Unix seconds): the id is replaced first, so an id known before sign-in
    /// is worthless afterwards (session fixation; OWASP ASVS 4.0.3 V3.2.1).
    ///
    /// Errors: `Internal` when the session store fails.
    pub async fn sign_in(
        &self,
        user_id: i64,
        record: i64,
        expires_at: i64,
    ) -> Result<(), AppError> {
        self.0.cycle_id().await.or_internal()?;
        self.0.insert(USER_ID_KEY, user_id).await.or_internal()?;
        self.0.insert(RECORD_KEY, record).await.or_internal()?;
        let at = time::OffsetDateTime::from_unix_timestamp(expires_at)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        self.0.set_expiry(Some(Expiry::AtDateTime(at)));
        Ok(())
    }

    /// Deletes the session from the store; the browser's cookie is removed.
    ///
    /// Errors: `Internal` when the session store fails.
    pub async fn end(&self) -> Result<(), AppError> {
        self.0.flush().await.or_internal()
    }

    /// Keeps `value` under `key` until taken.
    ///
    /// Errors: `Internal` when the session store fails.
    pub async fn stash<T: Serialize>(&self, key: Stash, value: &T) -> Result<(), AppError> {
        self.0.insert(key.key(), value).await.or_internal()
    }

    /// The value under `key`, removed.
    pub async fn take<T: DeserializeOwned>(&self, key: Stash) -> Option<T> {
        self.0.remove::<T>(key.key()).await.ok().flatten()
    }

    /// Removes the value under `key`.
    ///
    /// Errors: `Internal` when the session store fails.
    pub async fn unstash(&self, key: Stash) -> Result<(), AppError> {
        self.0
            .remove_value(key.key())
            .await
            .or_internal()
            .map(|_| ())
    }

    /// Ends this session's store entry at `at` (Unix seconds) unless sign-in sets another
    /// deadline: a half-signed-in session lives minutes, not the idle timeout.
    pub fn expire_at(&self, at: i64) {
        if let Ok(at) = time::OffsetDateTime::from_unix_timestamp(at) {
            self.0.set_expiry(Some(Expiry::AtDateTime(at)));
        }
    }

    /// The value under `key`, kept.
    pub async fn peek<T: DeserializeOwned>(&self, key: Stash) -> Option<T> {
        self.0.get::<T>(key.key()).await.ok().flatten()
    }

    /// Keeps a show-once secret under `key`: the value in `secrets` (memory, a few minutes),
    /// only a random reference to it in the session.
    ///
    /// Errors: `Internal` when the value cannot be written down or the session store fails.
    pub async fn stash_secret<T: Serialize>(
        &self,
        secrets: &Secrets,
        key: Stash,
        value: &T,
        now: i64,
    ) -> Result<(), AppError> {
        let text = serde_json::to_string(value).or_internal()?;
        let reference = secrets.put(text, now);
        self.0.insert(key.key(), reference).await.or_internal()
    }

    /// The secret under `key` when `wanted` accepts it, removed (shown once); else it stays for
    /// the page it is meant for.
    pub async fn take_secret<T: DeserializeOwned>(
        &self,
        secrets: &Secrets,
        key: Stash,
        now: i64,
        wanted: impl Fn(&T) -> bool,
    ) -> Option<T> {
        let reference = self.0.get::<String>(key.key()).await.ok().flatten()?;
        let value: T = serde_json::from_str(&secrets.peek(&reference, now)?).ok()?;
        if !wanted(&value) {
            return None;
        }
        let _ = self.0.remove_value(key.key()).await;
        secrets.take(&reference, now);
        Some(value)
    }
}
