//! The delivery worker: claims due mail from the outbox, sends it, and records each fate.
//! A passing failure (a 4xx answer, a timeout, no connection) is tried again after an
//! exponential backoff with jitter (30 s, 1 min, 2 min, ... at most 1 h, each ±25%); after
//! `MailConfig::max_attempts`, or at once for a permanent failure (a 5xx answer), the mail is
//! marked failed. Several nodes run a worker each; the outbox's claims keep them from sending
//! one mail twice, except after a node died mid-send (then at least once).

use crate::{
    server::{
        mailer::{Outgoing, SendError},
        AppState,
    },
    store::outbox,
};

/// Mails claimed at a time.
const BATCH: i64 = 20;

/// SMTP conversations a worker holds at once (each on a pooled connection): one slow or
/// stalled server answer holds up one mail, not the batch, and the 40 ms that lettre 0.11.23
/// loses to Nagle's algorithm per message (no `TCP_NODELAY`; fixed upstream in lettre PR
/// #1159, not released yet) is paid four at a time.
const AT_ONCE: usize = 4;

/// Seconds before the first retry; each further one doubles it.
const FIRST_RETRY: i64 = 30;

/// Longest wait between attempts, in seconds.
const MAX_RETRY: i64 = 3600;

/// Longest error text kept with a mail, in characters.
const MAX_ERROR_CHARS: usize = 500;

/// Seconds to wait after failed attempt number `attempts` (1 for the first): `FIRST_RETRY`
/// doubled per earlier attempt, at most `MAX_RETRY`, scaled by `jitter` (0.75 to 1.25).
pub fn backoff(attempts: i64, jitter: f64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    let base = FIRST_RETRY.saturating_mul(1 << doublings).min(MAX_RETRY);
    ((base as f64) * jitter.clamp(0.75, 1.25)).round() as i64
}

/// A jitter factor from 0.75 to 1.25, so nodes and mails that failed together do not retry
/// together.
fn jitter() -> f64 {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    0.75 + f64::from(OsRng.next_u32() % 10_001) / 20_000.0
}

/// Sends every due mail once (a batch at a time, [`AT_ONCE`] conversations in parallel) at the
/// state's clock. Returns how many were tried. Does nothing without an SMTP server.
///
/// Errors: the database's, when claiming or recording fails (the claim's lease then runs out
/// and the mail is tried again).
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    use futures_util::{stream, StreamExt, TryStreamExt};
    if !state.mailer().is_configured() {
        return Ok(0);
    }
    let lease = state.config().mail.lease.as_secs() as i64;
    let mut tried = 0;
    loop {
        let claimed = outbox::claim(state.pool(), state.now(), lease, BATCH).await?;
        let count = claimed.len();
        stream::iter(claimed)
            .map(|mail| deliver(state, mail))
            .buffer_unordered(AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
        tried += count;
        if (count as i64) < BATCH {
            return Ok(tried);
        }
    }
}

/// Sends one claimed mail and records its fate.
async fn deliver(state: &AppState, mail: outbox::Claimed) -> Result<(), sqlx::Error> {
    let sent = state
        .mailer()
        .send(Outgoing {
            to: &mail.to_address,
            subject: &mail.subject,
            text: &mail.body_text,
            html: &mail.body_html,
        })
        .await;
    let now = state.now();
    match sent {
        Ok(()) => {
            outbox::mark_sent(state.pool(), mail.id, now).await?;
            state.metrics().mail("sent");
            tracing::info!(mail_id = mail.id, "mail sent");
        }
        Err(e) => {
            let give_up = matches!(e, SendError::Permanent(_))
                || mail.attempts >= i64::from(state.config().mail.max_attempts);
            let error: String = e.to_string().chars().take(MAX_ERROR_CHARS).collect();
            let next = (!give_up).then(|| now + backoff(mail.attempts, jitter()));
            outbox::mark_unsent(state.pool(), mail.id, &error, next).await?;
            state
                .metrics()
                .mail(if give_up { "failed" } else { "retry" });
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, give_up, %error, "mail not sent");
        }
    }
    Ok(())
}

/// The worker: delivers due mail whenever a mail is written on this node (the mailer's bell)
/// and every `MailConfig::poll` otherwise (for mail written on other nodes, and retries).
pub async fn run(state: AppState) {
    if !state.mailer().is_configured() {
        tracing::info!("no SMTP server configured (ROSTER_SMTP_URL): mail stays in the outbox");
        return;
    }
    let poll = state.config().mail.poll;
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::error!(error = %e, "mail delivery failed; trying again");
        }
        state.mailer().wait(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour_with_bounded_jitter() {
        assert_eq!(backoff(1, 1.0), 30);
        assert_eq!(backoff(2, 1.0), 60);
        assert_eq!(backoff(3, 1.0), 120);
        assert_eq!(backoff(8, 1.0), 3600);
        assert_eq!(backoff(60, 1.0), 3600);
        assert_eq!(backoff(1, 0.0), 23, "jitter never below 0.75");
        assert_eq!(backoff(1, 9.0), 38, "nor above 1.25");
        for _ in 0..100 {
            let j = jitter();
            assert!((0.75..=1.25).contains(&j), "{j}");
        }
    }
}
