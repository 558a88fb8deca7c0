//! Show-once secrets (a new personal access token, an administrator's one-time password) kept
//! between the action that makes them and the page that shows them: in this process's memory
//! only, for at most [`SECRET_TTL`] seconds, removed when shown. The browser's session holds
//! nothing but a random reference, so no secret is ever written to the session store
//! (`shared/SECURITY.md`, Sessions).

use std::{collections::HashMap, sync::Mutex};

/// How long a secret waits to be shown, in seconds.
pub const SECRET_TTL: i64 = 5 * 60;

/// Secrets kept at most (the oldest goes first beyond it).
const MAX_SECRETS: usize = 10_000;

/// The secrets waiting to be shown.
#[derive(Debug, Default)]
pub struct Secrets {
    entries: Mutex<HashMap<String, (String, i64)>>,
}

impl Secrets {
    /// Keeps `value` until [`SECRET_TTL`] after `now`; returns the reference to it (122 random
    /// bits, a UUID v4).
    pub fn put(&self, value: String, now: i64) -> String {
        let reference = uuid::Uuid::new_v4().to_string();
        let mut entries = self.lock();
        entries.retain(|_, (_, expires)| *expires > now);
        if entries.len() >= MAX_SECRETS {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, expires))| *expires)
                .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(reference.clone(), (value, now + SECRET_TTL));
        reference
    }

    /// The value behind `reference`, if it has not expired by `now`, left in place.
    pub fn peek(&self, reference: &str, now: i64) -> Option<String> {
        self.lock()
            .get(reference)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value.clone())
    }

    /// The value behind `reference`, if it has not expired by `now`, removed.
    pub fn take(&self, reference: &str, now: i64) -> Option<String> {
        self.lock()
            .remove(reference)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, i64)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_shown_once_and_never_after_its_five_minutes() {
        let secrets = Secrets::default();
        let a = secrets.put("token-a".into(), 0);
        assert_eq!(secrets.peek(&a, 10).as_deref(), Some("token-a"));
        assert_eq!(secrets.take(&a, 10).as_deref(), Some("token-a"));
        assert_eq!(secrets.take(&a, 10), None, "once");
        let b = secrets.put("token-b".into(), 0);
        assert_eq!(secrets.take(&b, SECRET_TTL), None, "expired");
        assert_eq!(secrets.take("made-up", 0), None);
    }
}
